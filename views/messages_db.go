package views

// dbMessages holds the entries about the database itself (issue #13).
var dbMessages = map[string]msg{
	"error.invalid_text": {"Metin saklanamayan karakterler içeriyor (geçersiz UTF-8 ya da NUL). Metni yeniden yazıp tekrar deneyin.",
		"The text holds characters that cannot be stored (invalid UTF-8 or NUL). Type it again and retry."},
	"payment.busy": {"Bu ödeme şu anda başlatılıyor ya da sağlayıcıya soruluyor. Birkaç saniye sonra sayfayı yenileyin.",
		"This payment is being started or checked with the provider right now. Reload the page in a few seconds."},
}
