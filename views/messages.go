package views

// msg is one catalog entry in both UI languages.
type msg struct{ tr, en string }

// messages is the whole catalog. Each feature keeps its entries in its own
// file (messages_*.go) so features can grow without touching each other.
var messages = mergeMessages(commonMessages, linkMessages, printMessages, authMessages, paymentMessages, uiMessages, uxMessages, salesMessages, importMessages, dbMessages)

func mergeMessages(sets ...map[string]msg) map[string]msg {
	all := make(map[string]msg)
	for _, set := range sets {
		for k, v := range set {
			if _, dup := all[k]; dup {
				panic("views: duplicate message key " + k)
			}
			all[k] = v
		}
	}
	return all
}

var commonMessages = map[string]msg{
	"app.name":             {"Linkdesk", "Linkdesk"},
	"app.tagline":          {"Ödeme linkleri ve QR ödemeler", "Payment links and QR payments"},
	"nav.links":            {"Ödeme linkleri", "Payment links"},
	"nav.payments":         {"QR ödemeler", "QR payments"},
	"nav.users":            {"Kullanıcılar", "Users"},
	"nav.audit":            {"Denetim kaydı", "Audit log"},
	"nav.logout":           {"Çıkış", "Log out"},
	"nav.skip":             {"İçeriğe geç", "Skip to content"},
	"lang.tr":              {"Türkçe", "Türkçe"},
	"lang.en":              {"English", "English"},
	"home.take_payment":    {"QR ile ödeme al", "Take a QR payment"},
	"home.links":           {"Ödeme linklerini yönet", "Manage payment links"},
	"home.sandbox":         {"Deneme ortamı: gerçek para hareket etmez.", "Sandbox mode: no real money moves."},
	"action.save":          {"Kaydet", "Save"},
	"action.cancel":        {"Vazgeç", "Cancel"},
	"action.search":        {"Ara", "Search"},
	"action.clear":         {"Temizle", "Clear"},
	"action.print":         {"Yazdır", "Print"},
	"action.copy":          {"Kopyala", "Copy"},
	"action.copied":        {"Kopyalandı", "Copied"},
	"action.retry":         {"Tekrar dene", "Try again"},
	"pager.prev":           {"Önceki", "Previous"},
	"pager.next":           {"Sonraki", "Next"},
	"pager.page":           {"Sayfa %d / %d", "Page %d of %d"},
	"pager.total":          {"%d kayıt", "%d records"},
	"form.errors_title":    {"Lütfen şu alanları düzeltin:", "Please fix the following:"},
	"form.optional":        {"isteğe bağlı", "optional"},
	"error.title":          {"Bir sorun oluştu", "Something went wrong"},
	"error.400":            {"İstek okunamadı. Lütfen sayfayı yenileyip tekrar deneyin.", "The request could not be read. Please reload the page and try again."},
	"error.403":            {"Bu işlem için yetkiniz yok.", "You are not allowed to do this."},
	"error.403_csrf":       {"Form süresi doldu ya da başka bir sekmeden gönderildi. Sayfayı yenileyip tekrar deneyin.", "The form expired or came from another tab. Reload the page and try again."},
	"error.404":            {"Aradığınız sayfa ya da kayıt bulunamadı.", "The page or record you asked for was not found."},
	"error.405":            {"Bu adres bu işlemi desteklemiyor.", "This address does not support that action."},
	"error.409":            {"Kayıt bu arada değişti. Sayfayı yenileyip tekrar deneyin.", "The record changed meanwhile. Reload and try again."},
	"error.413":            {"Gönderilen veri çok büyük.", "What was sent is too large."},
	"error.415":            {"Bu adres dosya yüklemesi kabul etmiyor.", "This address does not accept file uploads."},
	"error.422":            {"Girilen bilgiler geçersiz.", "The data entered is not valid."},
	"error.429":            {"Çok fazla deneme. Lütfen biraz bekleyin.", "Too many attempts. Please wait a little."},
	"error.500":            {"Beklenmeyen bir hata oluştu. Tekrar deneyin; sürerse yöneticinize haber verin.", "An unexpected error occurred. Try again; if it persists, tell your administrator."},
	"error.502":            {"Ödeme sağlayıcısı beklenmeyen bir yanıt verdi. Birazdan tekrar deneyin.", "The payment provider gave an unexpected answer. Try again shortly."},
	"error.503":            {"Ödeme sağlayıcısına şu anda ulaşılamıyor. Bağlantınızı kontrol edip birazdan tekrar deneyin.", "The payment provider cannot be reached right now. Check the connection and try again shortly."},
	"error.504":            {"Ödeme sağlayıcısı zamanında yanıt vermedi. Birazdan tekrar deneyin.", "The payment provider did not answer in time. Try again shortly."},
	"error.db_unavailable": {"Veritabanına şu anda ulaşılamıyor. Birazdan tekrar deneyin.", "The database cannot be reached right now. Try again shortly."},
	"error.home":           {"Ana sayfaya dön", "Back to the home page"},
	"error.upstream_code":  {"Sağlayıcı kodu: %s", "Provider code: %s"},
}
