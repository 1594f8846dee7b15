package qr

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// updateGolden rewrites testdata/golden.txt from the current go-qrcode. It
// was run once against unpatched upstream (da1b6568686e), so the patched copy
// in third_party/go-qrcode must reproduce upstream's symbols bit for bit.
var updateGolden = flag.Bool("update", false, "rewrite testdata/golden.txt")

const goldenFile = "testdata/golden.txt"

// goldenLevels are all four recovery levels, by name for the golden file.
var goldenLevels = []struct {
	name  string
	level qrcode.RecoveryLevel
}{
	{"L", qrcode.Low},
	{"M", qrcode.Medium},
	{"Q", qrcode.High},
	{"H", qrcode.Highest},
}

// goldenAlphabets cover go-qrcode's three data modes, plus text mixing them so
// its segment optimiser splits it. Turkish text is multi-byte UTF-8.
var goldenAlphabets = []struct {
	name  string
	runes []rune
}{
	{"numeric", []rune("0123456789")},
	{"alphanumeric", []rune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")},
	{"byte", []rune("abcdefghijklmnopqrstuvwxyz?&=_~#@!'\"()[]{}<>|\\^`;,\n\t\x00\x7f")},
	{"turkish", []rune("çğıöşüÇĞİÖŞÜ âîû abcdefgh ijklmnoprstuvyz.,")},
	{"mixed", []rune("https://link.craftgate.io/pay/?=&0123456789012345678901234567890ABCDEFXYZ")},
}

// goldenCase is one input: content of about length bytes from an alphabet,
// encoded at a recovery level.
type goldenCase struct {
	name    string
	content string
	level   qrcode.RecoveryLevel
}

// goldenCases returns 200 inputs from a fixed seed, lengths spread over
// 1..~600 bytes so that they land in most symbol versions; every
// alphabet meets every level (5 and 4 are coprime).
func goldenCases() []goldenCase {
	rng := rand.New(rand.NewPCG(18004, 2015)) // PCG's output is fixed by its spec
	cases := make([]goldenCase, 0, 200)
	for i := range 200 {
		alpha := goldenAlphabets[i%len(goldenAlphabets)]
		lvl := goldenLevels[i%len(goldenLevels)]
		want := 1 + i*3 + rng.IntN(3) // 1..600
		var b strings.Builder
		for {
			r := alpha.runes[rng.IntN(len(alpha.runes))]
			if b.Len()+len(string(r)) > want {
				break
			}
			b.WriteRune(r)
		}
		if b.Len() == 0 { // a 1-byte target and a 2-byte first rune
			b.WriteByte('a')
		}
		cases = append(cases, goldenCase{
			name:    fmt.Sprintf("%03d-%s-%s-%d", i, alpha.name, lvl.name, b.Len()),
			content: b.String(),
			level:   lvl.level,
		})
	}
	return cases
}

// bitmapSHA256 hashes a code's bitmap, quiet zone included, serialised as
// one line of 0/1 per row.
func bitmapSHA256(bits [][]bool) string {
	h := sha256.New()
	line := make([]byte, 0, len(bits)+1)
	for _, row := range bits {
		line = line[:0]
		for _, dark := range row {
			line = append(line, '0'+b2i(dark))
		}
		h.Write(append(line, '\n'))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// TestGoldenBitmaps guards the patched go-qrcode: every input must give the
// symbol upstream gave.
func TestGoldenBitmaps(t *testing.T) {
	cases := goldenCases()
	got := make(map[string]string, len(cases))
	var lines []string
	for _, c := range cases {
		code, err := qrcode.New(c.content, c.level)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sum := bitmapSHA256(code.Bitmap())
		got[c.name] = sum
		lines = append(lines, c.name+" "+sum)
	}

	if *updateGolden {
		data := strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(goldenFile, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := make(map[string]string, len(cases))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, sum, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("%s: malformed line %q", goldenFile, sc.Text())
		}
		want[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(cases) {
		t.Fatalf("%s has %d entries, want %d (inputs changed? rerun with -update against upstream)",
			goldenFile, len(want), len(cases))
	}
	for _, c := range cases {
		if got[c.name] != want[c.name] {
			t.Errorf("%s: bitmap SHA-256 got %s, want %s", c.name, got[c.name], want[c.name])
		}
	}
}
