package views

// uxMessages are the entries of issue #14's second round: the not-found
// page, the customer screen, the readable audit log, the link detail's
// extras and the demo data.
var uxMessages = map[string]msg{
	// Not found (a missing or deleted record, an unknown address).
	"notfound.title":      {"Bulunamadı", "Not found"},
	"notfound.page":       {"Bu adreste bir sayfa yok. Adresi kontrol edin ya da aşağıdan devam edin.", "There is no page at this address. Check the address or carry on below."},
	"notfound.link":       {"Bu ödeme linki yok ya da silinmiş.", "This payment link does not exist or has been deleted."},
	"notfound.payment":    {"Bu ödeme bulunamadı.", "This payment could not be found."},
	"notfound.user":       {"Bu kullanıcı bulunamadı.", "This user could not be found."},
	"notfound.back_links": {"Ödeme linklerine dön", "Back to payment links"},
	"notfound.back_pay":   {"QR ödemelere dön", "Back to QR payments"},
	"notfound.back_users": {"Kullanıcılara dön", "Back to users"},
}
