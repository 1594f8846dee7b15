// go-qrcode
// Copyright 2014 Tom Harwood

package reedsolomon

import (
	"reflect"
	"sync"
	"testing"

	bitset "github.com/skip2/go-qrcode/bitset"
)

func TestGeneratorPoly(t *testing.T) {
	var tests = []struct {
		degree int
		// Coefficients from x^0 up to x^degree.
		generator []gfElement
	}{
		// x^2 + 3x^1 + 2x^0 (the shortest generator poly)
		{
			2,
			[]gfElement{2, 3, 1},
		},
		// x^5 + 31x^4 + 198x^3 + 63x^2 + 147x^1 + 116x^0
		{
			5,
			[]gfElement{116, 147, 63, 198, 31, 1},
		},
		// x^68 + 131x^67 + 115x^66 + 9x^65 + 39x^64 + 18x^63 + 182x^62 + 60x^61 +
		// 94x^60 + 223x^59 + 230x^58 + 157x^57 + 142x^56 + 119x^55 + 85x^54 +
		// 107x^53 + 34x^52 + 174x^51 + 167x^50 + 109x^49 + 20x^48 + 185x^47 +
		// 112x^46 + 145x^45 + 172x^44 + 224x^43 + 170x^42 + 182x^41 + 107x^40 +
		// 38x^39 + 107x^38 + 71x^37 + 246x^36 + 230x^35 + 225x^34 + 144x^33 +
		// 20x^32 + 14x^31 + 175x^30 + 226x^29 + 245x^28 + 20x^27 + 219x^26 +
		// 212x^25 + 51x^24 + 158x^23 + 88x^22 + 63x^21 + 36x^20 + 199x^19 + 4x^18 +
		// 80x^17 + 157x^16 + 211x^15 + 239x^14 + 255x^13 + 7x^12 + 119x^11 + 11x^10
		// + 235x^9 + 12x^8 + 34x^7 + 149x^6 + 204x^5 + 8x^4 + 32x^3 + 29x^2 + 99x^1
		// + 11x^0 (the longest generator poly)
		{
			68,
			[]gfElement{11, 99, 29, 32, 8, 204, 149, 34, 12,
				235, 11, 119, 7, 255, 239, 211, 157, 80, 4, 199, 36, 63, 88, 158, 51, 212,
				219, 20, 245, 226, 175, 14, 20, 144, 225, 230, 246, 71, 107, 38, 107, 182,
				170, 224, 172, 145, 112, 185, 20, 109, 167, 174, 34, 107, 85, 119, 142,
				157, 230, 223, 94, 60, 182, 18, 39, 9, 115, 131, 1},
		},
	}

	for _, test := range tests {
		generator := rsGeneratorPoly(test.degree)

		// rsGeneratorPoly omits the leading 1 and lists the rest highest
		// term first.
		var want []gfElement
		for i := test.degree - 1; i >= 0; i-- {
			want = append(want, test.generator[i])
		}
		if !reflect.DeepEqual(generator, want) {
			t.Errorf("degree=%d generator=%v, want %v", test.degree, generator, want)
		}
	}
}

func TestEncode(t *testing.T) {
	var tests = []struct {
		numECBytes int
		data       string
		rsCode     string
	}{
		{
			5,
			"01000000 00011000 10101100 11000011 00000000",
			"01000000 00011000 10101100 11000011 00000000 10000110 00001101 00100010 10101110 00110000",
		},
		{
			10,
			"00010000 00100000 00001100 01010110 01100001 10000000 11101100 00010001 11101100 00010001 11101100 00010001 11101100 00010001 11101100 00010001",
			"00010000 00100000 00001100 01010110 01100001 10000000 11101100 00010001 11101100 00010001 11101100 00010001 11101100 00010001 11101100 00010001 10100101 00100100 11010100 11000001 11101101 00110110 11000111 10000111 00101100 01010101",
		},
	}

	for _, test := range tests {
		data := bitset.NewFromBase2String(test.data)
		rsCode := bitset.NewFromBase2String(test.rsCode)

		result := Encode(data, test.numECBytes)

		if !rsCode.Equals(result) {
			t.Errorf("data=%s, numECBytes=%d, encoded=%s, want %s",
				data.String(),
				test.numECBytes,
				result.String(),
				rsCode)
		}
	}
}

// TestEncodeSyndromes checks codes of every degree QR Code uses (and more)
// without precomputed answers: a valid codeword, read as a polynomial, is a
// multiple of the generator, so it is zero at each root a^0..a^(degree-1).
func TestEncodeSyndromes(t *testing.T) {
	for degree := 2; degree <= 68; degree++ {
		data := bitset.New()
		for i := 0; i < degree*3%50+1; i++ {
			data.AppendByte(byte(i*37+degree), 8)
		}

		code := Encode(data, degree)

		if got, want := code.Len(), data.Len()+8*degree; got != want {
			t.Fatalf("degree=%d: encoded %d bits, want %d", degree, got, want)
		}
		if root, ok := checkSyndromes(code, degree); !ok {
			t.Errorf("degree=%d: codeword is not zero at a^%d", degree, root)
		}
	}
}

// TestEncodeConcurrent checks that callers racing to build the same generator
// polynomial all get a valid code (run with -race). No other test uses
// degree 100, so the goroutines find it unbuilt.
func TestEncodeConcurrent(t *testing.T) {
	const degree = 100

	var wg sync.WaitGroup
	results := make([]*bitset.Bitset, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Each goroutine has its own data: Encode's result shares
			// storage with its input (see bitset.Clone).
			data := bitset.NewFromBase2String("00010000 00100000 00001100 01010110 01100001 10000000 11101100")
			results[i] = Encode(data, degree)
		}(i)
	}
	wg.Wait()

	for i, got := range results {
		if root, ok := checkSyndromes(got, degree); !ok {
			t.Errorf("goroutine %d: codeword is not zero at a^%d", i, root)
		}
	}
}

// checkSyndromes evaluates code, read as a polynomial with its first byte the
// highest coefficient, at a^0..a^(degree-1), and reports the first root
// where it is not zero.
func checkSyndromes(code *bitset.Bitset, degree int) (root int, ok bool) {
	for root = 0; root < degree; root++ {
		var sum gfElement
		for i := 0; i < code.Len(); i += 8 {
			sum = gfMultiply(sum, gfExpTable[root]) ^ gfElement(code.ByteAt(i))
		}
		if sum != gfZero {
			return root, false
		}
	}
	return 0, true
}
