// go-qrcode
// Copyright 2014 Tom Harwood

// Package reedsolomon provides error correction encoding for QR Code 2005.
//
// QR Code 2005 uses a Reed-Solomon error correcting code to detect and correct
// errors encountered during decoding.
//
// The generated RS codes are systematic, and consist of the input data with
// error correction bytes appended.
package reedsolomon

import (
	"log"
	"sync"

	bitset "github.com/skip2/go-qrcode/bitset"
)

// Encode data for QR Code 2005 using the appropriate Reed-Solomon code.
//
// numECBytes is the number of error correction bytes to append, and is
// determined by the target QR Code's version and error correction level.
//
// ISO/IEC 18004 table 9 specifies the numECBytes required. e.g. a 1-L code has
// numECBytes=7.
func Encode(data *bitset.Bitset, numECBytes int) *bitset.Bitset {
	generator := rsGeneratorPoly(numECBytes)

	// The error correction bytes are the remainder of data(x)*x^numECBytes
	// divided by the generator, where the first data byte is the highest
	// coefficient. Long division one data byte at a time keeps only the
	// running remainder, highest coefficient first: shift it up one term,
	// bring in the next data byte, and subtract (XOR) the generator times
	// the new leading coefficient. The generator is monic, so its leading 1
	// cancels the term shifted out and is not stored.
	ec := make([]byte, numECBytes)
	for i := 0; i < data.Len(); i += 8 {
		factor := gfElement(data.ByteAt(i) ^ ec[0])
		copy(ec, ec[1:])
		ec[numECBytes-1] = 0
		if factor == gfZero {
			continue
		}
		for j, g := range generator {
			ec[j] ^= byte(gfMultiply(g, factor))
		}
	}

	// Append the remainder to the original |data| rather than forming the sum
	// data(x)*x^numECBytes + remainder as a polynomial: QR Code 2005 keeps the
	// data bit sequence exactly, leading zero bits included.
	result := bitset.Clone(data)
	result.AppendBytes(ec)

	return result
}

// generators caches the generator polynomial of each degree, built on first
// use: QR Code uses about a dozen degrees, and building one is far costlier
// than the division it serves. The index is the degree; rsGeneratorPoly
// reads gfExpTable[degree-1], so no larger degree is valid.
var generators [len(gfExpTable) + 1]struct {
	once sync.Once
	poly []gfElement
}

// rsGeneratorPoly returns the Reed-Solomon generator polynomial with |degree|,
// highest term first and without its leading (x^degree) coefficient, which is
// always 1. The result is shared and must not be modified.
//
// The generator polynomial is calculated as:
// (x + a^0)(x + a^1)...(x + a^degree-1)
func rsGeneratorPoly(degree int) []gfElement {
	if degree < 2 {
		log.Panic("degree < 2")
	}

	g := &generators[degree]
	g.once.Do(func() {
		poly := make([]gfElement, 1, degree+1)
		poly[0] = gfOne
		for i := 0; i < degree; i++ {
			// Multiply by (x + a^i): shift up one term (x * poly), then
			// add a^i * poly.
			poly = append(poly, gfZero)
			for j := len(poly) - 1; j > 0; j-- {
				poly[j] ^= gfMultiply(poly[j-1], gfExpTable[i])
			}
		}
		g.poly = poly[1:]
	})

	return g.poly
}
