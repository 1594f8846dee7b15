package fragment

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/a-h/templ"
)

// counting renders text and counts its renders.
func counting(text string, renders *atomic.Int64) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		renders.Add(1)
		_, err := io.WriteString(w, text)
		return err
	})
}

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMemoRendersOncePerKey(t *testing.T) {
	fc := New(DefaultMaxBytes)
	var renders atomic.Int64
	for range 3 {
		if got := render(t, fc.Memo("a", counting("<p>A</p>", &renders))); got != "<p>A</p>" {
			t.Errorf("got %q", got)
		}
	}
	if got := render(t, fc.Memo("b", counting("<p>B</p>", &renders))); got != "<p>B</p>" {
		t.Errorf("got %q", got)
	}
	if n := renders.Load(); n != 2 {
		t.Errorf("%d renders, want 2 (one per key)", n)
	}
	// The key decides: a hit answers with what was rendered under it.
	if got := render(t, fc.Memo("a", counting("other", &renders))); got != "<p>A</p>" {
		t.Errorf("got %q, want the remembered HTML", got)
	}
}

func TestMemoDoesNotKeepFailures(t *testing.T) {
	fc := New(DefaultMaxBytes)
	boom := errors.New("boom")
	failing := templ.ComponentFunc(func(context.Context, io.Writer) error { return boom })
	if err := fc.Memo("k", failing).Render(context.Background(), io.Discard); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	var renders atomic.Int64
	if got := render(t, fc.Memo("k", counting("ok", &renders))); got != "ok" || renders.Load() != 1 {
		t.Errorf("after a failure: got %q after %d renders, want a fresh render", got, renders.Load())
	}
}

func TestMemoIsBounded(t *testing.T) {
	const limit = 1000
	fc := New(limit)
	var renders atomic.Int64
	html := string(bytes.Repeat([]byte("x"), 90))
	for i := range 100 {
		key := "key" + strconv.Itoa(i)
		if got := render(t, fc.Memo(key, counting(html, &renders))); got != html {
			t.Fatalf("got %q", got)
		}
		if fc.bytes > limit {
			t.Fatalf("%d bytes held, limit %d", fc.bytes, limit)
		}
	}
	if fc.Len() == 0 || fc.Len() > limit/90 {
		t.Errorf("%d parts held, want between 1 and %d", fc.Len(), limit/90)
	}
	// Full, it forgets the least recently used part, not the one in use.
	hot := "key99"
	before := renders.Load()
	for i := 100; i < 120; i++ {
		render(t, fc.Memo(hot, counting(html, &renders)))
		render(t, fc.Memo("key"+strconv.Itoa(i), counting(html, &renders)))
	}
	if got := renders.Load() - before; got != 20 {
		t.Errorf("%d renders, want 20: the part used all along was forgotten", got)
	}
	// A part larger than the whole cache is served but never kept.
	big := string(bytes.Repeat([]byte("y"), 2*limit))
	if got := render(t, fc.Memo("big", counting(big, &renders))); got != big {
		t.Error("a part larger than the cache must still render")
	}
	if fc.bytes > limit {
		t.Errorf("%d bytes held after a too-large part, limit %d", fc.bytes, limit)
	}
}

func TestMemoConcurrent(t *testing.T) {
	fc := New(4096)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var renders atomic.Int64
			for i := range 200 {
				key := strconv.Itoa((g + i) % 50)
				var b bytes.Buffer
				if err := fc.Memo(key, counting("v"+key, &renders)).Render(context.Background(), &b); err != nil {
					t.Error(err)
					return
				}
				if b.String() != "v"+key {
					t.Errorf("key %s: got %q", key, b.String())
					return
				}
			}
		})
	}
	wg.Wait()
}
