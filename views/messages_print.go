package views

// printMessages holds the QR and print sheets' catalog entries.
var printMessages = map[string]msg{
	"print.layout":           {"Düzen", "Layout"},
	"print.layout.poster":    {"A4 afiş", "A4 poster"},
	"print.layout.card":      {"Tezgâh kartları (4'lü)", "Counter cards (4 per page)"},
	"print.layout.tent":      {"Masa üstü üçgen", "Table tent"},
	"print.layout.labels":    {"Etiket sayfası", "Label sheet"},
	"print.scan":             {"Ödemek için okutun", "Scan to pay"},
	"print.installments":     {"%d taksit", "up to %d instalments"},
	"print.expires":          {"Son geçerlilik: %s", "Valid until %s"},
	"print.link_id":          {"Link no: %d", "Link ID: %d"},
	"print.secure":           {"Craftgate ile güvenli ödeme", "Secure payment with Craftgate"},
	"print.qr_alt":           {"%s için ödeme QR kodu", "Payment QR code for %s"},
	"print.fold":             {"Buradan katlayın", "Fold here"},
	"print.back":             {"Linke dön", "Back to the link"},
	"print.back_links":       {"Linklere dön", "Back to the links"},
	"print.hint":             {"Yazdırırken ölçeği %100 (gerçek boyut) seçin, üst ve alt bilgileri kapatın.", "When printing, choose 100% scale (actual size) and turn off headers and footers."},
	"print.labels_count":     {"%d etiket, %d sayfa", "%d labels on %d pages"},
	"print.labels_errors":    {"Şu linkler için etiket hazırlanamadı:", "No label could be made for these links:"},
	"print.label_bad_id":     {"Geçersiz link numarası.", "Not a link ID."},
	"print.bad_layout":       {"Bilinmeyen yazdırma düzeni. Afiş, kart ya da masa üstü üçgen seçin.", "Unknown print layout. Choose poster, card or tent."},
	"print.bad_size":         {"QR boyutu piksel cinsinden bir tam sayı olmalı.", "The QR size must be a whole number of pixels."},
	"print.labels_none":      {"Etiket için en az bir link seçin.", "Select at least one link for labels."},
	"print.labels_too_many":  {"En fazla 1000 link tek tek seçilebilir; daha fazlası için “bu aramaya uyan tümü”nü işaretleyin.", "At most 1000 links can be ticked one by one; tick “all matching this search” for more."},
	"print.labels_page_note": {"Avery L7160 ve benzeri: A4, 3 × 7 etiket, 63,5 × 38,1 mm.", "Avery L7160 and similar: A4, 3 × 7 labels, 63.5 × 38.1 mm."},
}
