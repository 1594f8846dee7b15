package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/sandbox"
	"linkdesk/store"
)

// TestImportSurvivesCrash kills the server with SIGKILL while an import's
// workers are creating links, restarts it on the same data, and checks
// that the job completes with every row's link created exactly once: rows
// caught between the provider's create and their own record are found by
// their external id instead of being created again.
func TestImportSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice as a subprocess")
	}
	const rows = 400 // the child runs with the race detector, on a busy machine under CI
	dataDir := t.TempDir()
	session := prepareDataDir(t, dataDir)
	env := append(os.Environ(), crashChildEnv+"=1", "LINKDESK_ADDR=127.0.0.1:0", "LINKDESK_DATA="+dataDir,
		"LINKDESK_IMPORT_LEASE=2s")

	first := startChild(t, env)
	client := signedInClient(t, first.url, session)
	page := uploadImport(t, client, first.url, rows)
	id, _ := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	resp, err := client.PostForm(first.url+page+"/start", map[string][]string{"_csrf": {crashCSRF}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %v %v", resp, err)
	}
	resp.Body.Close()

	db, err := store.Open(context.Background(), filepath.Join(dataDir, "linkdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	job := waitJob(t, db, id, func(j *app.ImportJob) bool { return j.Counts.Created >= rows/10 })
	first.kill(t)
	if job.State == app.ImportDone {
		t.Fatalf("the import finished before the kill; nothing was tested")
	}

	second := startChild(t, env)
	job = waitJob(t, db, id, func(j *app.ImportJob) bool { return j.State == app.ImportDone })
	if job.Counts.Created != rows || job.Counts.Refused+job.Counts.Failed+job.Counts.Exists != 0 {
		t.Errorf("after the restart: %+v, want all %d created", job.Counts, rows)
	}
	cg := craftclient.NewCraftgate(second.url+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	links, err := cg.Products.Search(context.Background(), craftclient.ProductSearchRequest{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if links.TotalSize != rows {
		t.Errorf("the provider has %d links for %d rows: duplicates or losses", links.TotalSize, rows)
	}
	second.stop(t)
}

// uploadImport posts a CSV of n good rows and returns the preview's path.
func uploadImport(t *testing.T, client *http.Client, base string, n int) string {
	t.Helper()
	var csv bytes.Buffer
	csv.WriteString("Ad;Tutar;Para birimi;Taksit seçenekleri\n")
	for i := range n {
		fmt.Fprintf(&csv, "Çökme ürünü %d;%d,25;TRY;1,3\n", i, 10+i)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", crashCSRF)
	part, _ := w.CreateFormFile("file", "urunler.csv")
	_, _ = part.Write(csv.Bytes())
	_ = w.Close()
	resp, err := client.Post(base+"/links/import", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// waitJob reads the job from the database until done says so.
func waitJob(t *testing.T, db *store.DB, id int64, done func(*app.ImportJob) bool) *app.ImportJob {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		j, err := db.ImportJob(context.Background(), id, true)
		if err == nil && done(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d: %+v %v", id, j, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
