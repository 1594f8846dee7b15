package craftclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"linkdesk/craftclient"
)

func Example() {
	// A stand-in for Craftgate that answers a create and refuses a retrieve.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			io.WriteString(w, `{"data":{"id":1,"name":"Olive oil, 1 l","status":"ACTIVE","price":149.90,"currency":"TRY",`+
				`"enabledInstallments":[1],"token":"t-1","url":"https://links.example/t-1"}}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":{"errorCode":"5001","errorDescription":"Product not found"}}`)
	}))
	defer srv.Close()

	ctx := context.Background()
	cg := craftclient.NewCraftgate(srv.URL, "api-key", "secret-key")
	price, err := craftclient.ParseAmount("149.90")
	if err != nil {
		fmt.Println(err)
		return
	}
	link, err := cg.Products.Create(ctx, craftclient.ProductRequest{
		Name:                "Olive oil, 1 l",
		Description:         "Cold pressed.",
		Price:               price,
		Currency:            craftclient.CurrencyTRY,
		EnabledInstallments: []int{1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(link.ID, link.Status, link.Price, link.URL)

	_, err = cg.Products.Retrieve(ctx, 2)
	var apiErr *craftclient.Error
	if errors.As(err, &apiErr) {
		fmt.Println(craftclient.IsNotFound(err), apiErr.HTTPStatus, apiErr.Code, apiErr.Description)
	}
	// Output:
	// 1 ACTIVE 149.90 https://links.example/t-1
	// true 404 5001 Product not found
}

func ExampleSign() {
	fmt.Println(craftclient.Sign("https://api.craftgate.io/onboarding/v1/members/1", "key-1", "FooBar123!", "Xa15Fp11T", nil))
	// Output: y1TtnjNCJEvlkP5ufCkK3H0i2guMB/bKL4Ayw3VlKWA=
}

func ExampleQRDetail_Kind() {
	for _, d := range []craftclient.QRDetail{
		{Content: "https://pay.example/qr/1"},
		{Content: "iVBORw0KGgoAAAANSUhEUg=="},
		{Content: "00020101021226590014TR.GOV.TCMB.QR"},
	} {
		switch d.Kind() {
		case craftclient.QRContentURL:
			fmt.Println("link or image URL")
		case craftclient.QRContentImage:
			fmt.Println("image")
		case craftclient.QRContentText:
			fmt.Println("text to encode as a QR code")
		}
	}
	// Output:
	// link or image URL
	// image
	// text to encode as a QR code
}

func ExampleVerifyWebhookRequest() {
	// What Craftgate posts: the docs' example event and its signature.
	body := `{"eventType":"API_AUTH","eventTime":"2022-01-01T09:30:32","eventTimestamp":1641018632,` +
		`"status":"SUCCESS","payloadId":"2150001"}`
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/craftgate/webhook", strings.NewReader(body))
	r.Header.Set(craftclient.WebhookSignatureHeader, "eNXKxfxUpVmp/wBrNUmOLjNXL0sYl0mh1s/rEB8K8NU=")

	ev, err := craftclient.VerifyWebhookRequest(r, "1Q2w3E4r5T6y7U8i9Op")
	if err != nil {
		fmt.Println(err) // answer 400 or 401; do not act on it
		return
	}
	fmt.Println(ev.EventType, ev.Status, ev.PayloadID)
	// Output: API_AUTH SUCCESS 2150001
}

func ExampleErrorField() {
	// A stand-in for Craftgate refusing a link's price, in English.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"errors":{"errorCode":"2003","errorDescription":"price must be greater than 0!"}}`)
	}))
	defer srv.Close()

	cg := craftclient.NewCraftgate(srv.URL, "api-key", "secret-key", craftclient.WithLang("en"))
	price, _ := craftclient.ParseAmount("0.01")
	_, err := cg.Products.Create(context.Background(), craftclient.ProductRequest{
		Name: "Olive oil, 1 l", Price: price, Currency: craftclient.CurrencyTRY, EnabledInstallments: []int{1},
	})
	if craftclient.IsValidation(err) {
		fmt.Printf("show %q next to the %s input\n", "Enter a higher price.", craftclient.ErrorField(err))
	}
	// Output: show "Enter a higher price." next to the price input
}
