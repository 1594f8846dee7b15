// go-qrcode
// Copyright 2014 Tom Harwood

package reedsolomon

import "testing"

func TestGFMultiplicationIdentities(t *testing.T) {
	for i := 0; i < 256; i++ {
		value := gfElement(i)
		if gfMultiply(gfZero, value) != gfZero {
			t.Errorf("0 . %d != 0", value)
		}

		if gfMultiply(value, gfOne) != value {
			t.Errorf("%d . 1 == %d, want %d", value, gfMultiply(value, gfOne), value)
		}
	}
}

func TestGFMultiplication(t *testing.T) {
	// a * b == result
	var tests = []struct {
		a      gfElement
		b      gfElement
		result gfElement
	}{
		{0, 29, 0},
		{1, 1, 1},
		{1, 32, 32},
		{2, 4, 8},
		{16, 128, 232},
		{17, 17, 28},
		{27, 9, 195},
	}

	for _, test := range tests {
		result := gfMultiply(test.a, test.b)

		if result != test.result {
			t.Errorf("%d * %d = %d, want %d", test.a, test.b, result, test.result)
		}
	}
}

// TestGFMultiplyMatchesShiftAndAdd checks the log/exp tables against
// carry-less multiplication modulo x^8 + x^4 + x^3 + x^2 + 1 for every pair.
func TestGFMultiplyMatchesShiftAndAdd(t *testing.T) {
	for i := 0; i < 256; i++ {
		for j := 0; j < 256; j++ {
			var want byte
			a, b := byte(i), byte(j)
			for ; b != 0; b >>= 1 {
				if b&1 != 0 {
					want ^= a
				}
				carry := a&0x80 != 0
				a <<= 1
				if carry {
					a ^= 0x1d // x^8 = x^4 + x^3 + x^2 + 1
				}
			}

			if got := gfMultiply(gfElement(i), gfElement(j)); got != gfElement(want) {
				t.Fatalf("%d * %d = %d, want %d", i, j, got, want)
			}
		}
	}
}
