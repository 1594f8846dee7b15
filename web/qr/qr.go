// Package qr renders QR codes as PNG and SVG, caches them, and serves them
// with validators so browsers and print previews fetch each code once.
//
// Codes use Medium error correction (enough for print and screens without a
// logo overlay, and fewer modules than Q/H, so each module prints larger) and
// always carry the 4-module quiet zone the QR specification requires.
package qr

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// Pixel sizes of PNG codes. A requested size is clamped to [MinSize,
// MaxSize] and then snapped down to a whole multiple of the module count
// (but not below MinSize), so every module is the same number of pixels and
// edges stay crisp.
const (
	DefaultSize = 512
	MinSize     = 64
	MaxSize     = 2048
)

// QuietZone is the white border, in modules, around every code.
// go-qrcode draws exactly this border when DisableBorder is false.
const QuietZone = 4

// Content types of the two formats.
const (
	ContentTypePNG = "image/png"
	ContentTypeSVG = "image/svg+xml"
)

// renderVersion is part of every ETag: bump it when the drawing changes, so
// browsers holding the old bytes under the old tag fetch the new ones.
const renderVersion = "1"

// ErrEmpty is returned for empty content: a QR of nothing helps nobody.
var ErrEmpty = errors.New("qr: empty content")

// Image is an encoded code. Data is shared between callers through the
// cache and must not be modified.
type Image struct {
	Data        []byte
	ETag        string // strong, quoted
	ContentType string
}

// ClampSize returns the pixel size a request for size gets before snapping:
// 0 means DefaultSize, anything else is clamped to [MinSize, MaxSize].
func ClampSize(size int) int {
	switch {
	case size == 0:
		return DefaultSize
	case size < MinSize:
		return MinSize
	case size > MaxSize:
		return MaxSize
	}
	return size
}

// bitmap encodes content and returns its modules, quiet zone included;
// bitmap[y][x] is true for a dark module.
func bitmap(content string) ([][]bool, error) {
	if content == "" {
		return nil, ErrEmpty
	}
	code, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: encode %d bytes: %w", len(content), err)
	}
	return code.Bitmap(), nil
}

// encoder turns bitmaps into bytes, reusing zlib state and buffers
// between calls.
type encoder struct {
	out  sync.Pool // *bytes.Buffer: the finished file
	idat sync.Pool // *deflater: compressed pixel rows
}

// deflater is a zlib writer with the buffer it writes to.
type deflater struct {
	buf bytes.Buffer
	zw  *zlib.Writer
}

func newEncoder() *encoder {
	e := &encoder{}
	e.out.New = func() any { return new(bytes.Buffer) }
	e.idat.New = func() any {
		d := &deflater{}
		// BestSpeed: the result is cached, and the repeated rows of a code
		// compress to a few hundred bytes at any level.
		d.zw, _ = zlib.NewWriterLevel(&d.buf, zlib.BestSpeed) // the level is valid
		return d
	}
	return e
}

// encodePNG draws the code with a whole number of pixels per module as a
// 1-bit greyscale PNG. It writes the file itself rather than through
// image/png: that encoder reads a 2-colour image pixel by pixel through an
// interface and took 0.6 ms of a 1 ms encode at 256 px (go-qrcode's PNG(),
// at BestCompression, 1.6 ms); packing each module row once and repeating
// it takes about 0.05 ms (see BenchmarkEncodePNG).
func (e *encoder) encodePNG(content string, size int) ([]byte, error) {
	bits, err := bitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bits)
	scale := max(size/n, (MinSize+n-1)/n)
	px := n * scale

	d := e.idat.Get().(*deflater)
	defer e.idat.Put(d)
	d.buf.Reset()
	d.zw.Reset(&d.buf)
	// Each row is a filter byte (0: none) and px bits, most significant
	// first, 1 for white.
	row := make([]byte, 1+(px+7)/8)
	for _, modules := range bits {
		clear(row)
		for x := range px {
			if !modules[x/scale] {
				row[1+x/8] |= 0x80 >> (x % 8)
			}
		}
		for range scale {
			if _, err := d.zw.Write(row); err != nil {
				return nil, fmt.Errorf("qr: png: %w", err)
			}
		}
	}
	if err := d.zw.Close(); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}

	out := e.out.Get().(*bytes.Buffer)
	defer e.out.Put(out)
	out.Reset()
	out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:4], uint32(px))
	binary.BigEndian.PutUint32(ihdr[4:8], uint32(px))
	ihdr[8] = 1 // bit depth; colour type 0 (greyscale), deflate, no filter method, no interlace
	writeChunk(out, "IHDR", ihdr[:])
	writeChunk(out, "IDAT", d.buf.Bytes())
	writeChunk(out, "IEND", nil)
	return bytes.Clone(out.Bytes()), nil
}

// writeChunk appends one PNG chunk: length, type, data, CRC of type+data.
func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var head [8]byte
	binary.BigEndian.PutUint32(head[0:4], uint32(len(data)))
	copy(head[4:8], typ)
	w.Write(head[:])
	w.Write(data)
	crc := crc32.Update(crc32.ChecksumIEEE(head[4:8]), crc32.IEEETable, data)
	binary.BigEndian.PutUint32(head[0:4], crc)
	w.Write(head[0:4])
}

// encodeSVG draws the code as one path of horizontal runs of dark modules
// on a white square, in a viewBox measured in modules: it scales to any
// print size without blur, and crispEdges stops anti-aliased seams
// between neighbouring runs.
func (e *encoder) encodeSVG(content string) ([]byte, error) {
	bits, err := bitmap(content)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(len(bits))
	buf := e.out.Get().(*bytes.Buffer)
	defer e.out.Put(buf)
	buf.Reset()
	buf.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + " " + n +
		`" shape-rendering="crispEdges"><rect width="` + n + `" height="` + n +
		`" fill="#fff"/><path fill="#000" d="`)
	var num []byte
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			// M x y h run v1 h -run z: a 1-module-high rectangle.
			num = append(num[:0], 'M')
			num = strconv.AppendInt(num, int64(start), 10)
			num = append(num, ' ')
			num = strconv.AppendInt(num, int64(y), 10)
			num = append(num, 'h')
			num = strconv.AppendInt(num, int64(x-start), 10)
			num = append(num, "v1h-"...)
			num = strconv.AppendInt(num, int64(x-start), 10)
			num = append(num, 'z')
			buf.Write(num)
		}
	}
	buf.WriteString(`"/></svg>`)
	return bytes.Clone(buf.Bytes()), nil
}

// etag is a strong validator for one rendering of content: the same
// content, kind and size always give the same bytes and so the same tag.
func etag(kind string, size int, content string) string {
	sum := sha256.Sum256([]byte(renderVersion + "|" + kind + "|" + strconv.Itoa(size) + "|" + content))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
