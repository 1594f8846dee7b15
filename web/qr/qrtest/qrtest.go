// Package qrtest reads QR codes back for tests, with the pure-Go gozxing
// decoder. Only tests import it, so gozxing stays out of the binary.
package qrtest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// DecodePNG returns the text of the QR code in a PNG.
func DecodePNG(data []byte) (string, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("qrtest: png: %w", err)
	}
	return Decode(img)
}

// Decode returns the text of the QR code in img. Byte-mode content is read
// as UTF-8, as phone scanners do, rather than guessed.
//
// It tries gozxing's finder-pattern detector first, as a camera scan would,
// then its pure-barcode mode: the detector in gozxing v0.1.1 mistakes a data
// pattern for a finder in some valid codes (one Turkish test URL among
// them), while the pure mode reads the modules from the image's geometry,
// which for a rendered, unrotated code proves the same thing: the modules
// hold exactly the text.
func Decode(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("qrtest: bitmap: %w", err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		hints[gozxing.DecodeHintType_PURE_BARCODE] = true
		res, err = qrcode.NewQRCodeReader().Decode(bmp, hints)
	}
	if err != nil {
		return "", fmt.Errorf("qrtest: decode: %w", err)
	}
	return res.GetText(), nil
}
