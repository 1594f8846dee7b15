package app_test

import (
	"errors"
	"testing"

	"linkdesk/app"
)

func TestPayments_StartAgain(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "kasa@shop.example", app.RoleStaff, "staff password")
	by := app.Actor{User: staff}
	d := app.PaymentDraft{Amount: "1234,5", Currency: "TRY", Description: "Masa 4", Wallet: "8"}
	old, err := e.App.Payments.Start(ctx, by, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Payments.StartAgain(ctx, by, old.MerchantUniqueCode); !errors.Is(err, app.ErrAgainRefused) {
		t.Errorf("again while pending: %v, want ErrAgainRefused", err)
	}
	e.Payments.set(old.MerchantUniqueCode, app.ProviderFailed, "")
	if _, _, err := e.App.Payments.Check(ctx, by, old.MerchantUniqueCode); err != nil {
		t.Fatal(err)
	}

	again, err := e.App.Payments.StartAgain(ctx, by, old.MerchantUniqueCode)
	if err != nil {
		t.Fatalf("again: %v", err)
	}
	if again.MerchantUniqueCode == old.MerchantUniqueCode || !again.Amount.Equal(old.Amount) || again.Currency != old.Currency ||
		again.Description != old.Description || again.Provider != "tosla" || *again.ConnectionID != 8 || again.Status != app.PaymentStatusPending {
		t.Errorf("again = %+v, want a new pending payment like %+v", again, old)
	}
	if kept := mustPayment(t, e, old.MerchantUniqueCode); kept.Status != app.PaymentStatusFailed {
		t.Errorf("the old payment is %s, want kept failed", kept.Status)
	}
	next, ok, err := e.App.Payments.Next(ctx, old)
	if err != nil || !ok || next.MerchantUniqueCode != again.MerchantUniqueCode {
		t.Errorf("Next(old) = %v, %v, %v; want the new payment", next, ok, err)
	}
	if _, ok, _ := e.App.Payments.Next(ctx, again); ok {
		t.Error("the newest payment has a next")
	}

	paid := MustPaidPayment(t, e, "10")
	if _, err := e.App.Payments.StartAgain(ctx, by, paid.MerchantUniqueCode); !errors.Is(err, app.ErrAgainRefused) {
		t.Errorf("again after paid: %v, want ErrAgainRefused", err)
	}
	if _, ok, _ := e.App.Payments.Next(ctx, paid); ok {
		t.Error("a payment nobody started has a next")
	}
}
