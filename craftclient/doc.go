// Package craftclient is a small typed client for two payment APIs:
//
//   - Craftgate "Craftlink" payment links (products): [NewCraftgate] and
//     [ProductService]. Requests are signed as Craftgate documents
//     (x-signature over the percent-decoded URL, keys and exact body bytes;
//     see [Sign]).
//   - Craftgate payment reporting and refunds: [PaymentService] (payments
//     taken through links have [PaymentSourcePayByLink]), plus
//     [VerifyWebhookRequest] (or [ParseWebhook] and [VerifyWebhook]) for
//     the notifications Craftgate posts.
//   - Paywall APM QR payments: [NewPaywall] and [APMService], plus
//     [ParsePaywallCallback] for the result Paywall posts back.
//
// Every error answer from a provider is an *[APIError] (also named [Error]),
// whatever the body looked like; use errors.As or the helpers [IsNotFound],
// [IsValidation], [IsAuth] and [IsTimeout]. A success (2xx) answer the
// client cannot read wraps [ErrMalformedResponse]. Requests the client can
// tell are wrong are refused before sending with a *[ValidationError]. Both
// carry the request field concerned, when known: ValidationError.Field, and
// APIError.Field for a provider's validation refusal, read from its
// description by one rule (see [APIError]); [ErrorField] returns either.
// Money is [Amount] (a decimal that travels as a JSON number), never
// float64.
//
// Timeouts come from the *http.Client (default 15 s, see [WithHTTPClient]) and
// the caller's context. Nothing is retried: a timed-out create may still have
// happened upstream, so re-read before trying again.
//
// Usage:
//
//	cg := craftclient.NewCraftgate("https://sandbox-api.craftgate.io", apiKey, secretKey,
//		craftclient.WithLogger(log))
//	price, _ := craftclient.ParseAmount("149.90")
//	link, err := cg.Products.Create(ctx, craftclient.ProductRequest{
//		Name:                "Olive oil, 1 l",
//		Description:         "Cold pressed.",
//		Price:               price,
//		Currency:            craftclient.CurrencyTRY,
//		EnabledInstallments: []int{1},
//	})
//	if craftclient.IsValidation(err) {
//		// show the form again
//	}
package craftclient
