package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits of one imported file.
const (
	MaxImportRows  = 50000    // data rows, the header not counted
	MaxImportBytes = 10 << 20 // the file as uploaded
)

// ImportColumn is one column of an uploaded sheet: its header as written
// and the link field it fills ("" when the header names no field).
type ImportColumn struct {
	Header string
	Field  string
}

// ImportRecord is one data row of a sheet: its line in the file (as a
// spreadsheet program numbers it) and its cells, in column order.
type ImportRecord struct {
	Line  int
	Cells []string
}

// ImportFile is an uploaded sheet, read but not yet checked.
type ImportFile struct {
	Name    string
	Columns []ImportColumn
	Records []ImportRecord
}

// ImportFileError is a file that cannot be imported at all (no row is
// kept): Key is a catalog key, Column the header it concerns.
type ImportFileError struct {
	Key    string
	Column string
}

func (e *ImportFileError) Error() string { return "import: " + e.Key + " " + e.Column }

// ImportJobState is where an import stands.
type ImportJobState string

// Import job states.
const (
	ImportPreview ImportJobState = "preview" // checked, waiting for the person
	ImportRunning ImportJobState = "running" // its rows are being created
	ImportDone    ImportJobState = "done"    // every row has an outcome
)

// ImportRowState is where one row stands.
type ImportRowState string

// Import row states. A row is "creating" from the moment a worker takes it
// until its outcome is recorded, so a crash in between is known: the next
// worker first asks the provider whether the link exists.
const (
	ImportRowInvalid  ImportRowState = "invalid"  // broke a rule of the link form; never sent
	ImportRowReady    ImportRowState = "ready"    // waiting for a worker
	ImportRowCreating ImportRowState = "creating" // taken, or waiting for a retry
	ImportRowCreated  ImportRowState = "created"
	ImportRowExists   ImportRowState = "exists"  // an earlier import (or someone) created it: skipped
	ImportRowRefused  ImportRowState = "refused" // the provider refused it
	ImportRowFailed   ImportRowState = "failed"  // the provider kept failing
)

// ImportProblem is why a row was not imported: Key is a catalog key; Field
// and Column name the cell, Line the earlier row a duplicate repeats, Code
// and Detail the provider's own words.
type ImportProblem struct {
	Field  string `json:"field,omitempty"`
	Column string `json:"column,omitempty"`
	Key    string `json:"key"`
	Line   int    `json:"line,omitempty"`
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ImportJob is one uploaded file and its import.
type ImportJob struct {
	ID         int64
	UserID     int64
	UserEmail  string
	IP         string
	FileName   string
	State      ImportJobState
	TotalRows  int // data rows read from the file, bad ones included
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	Counts     ImportCounts // filled by reads that say so
}

// ImportCounts counts a job's rows by state.
type ImportCounts struct {
	Invalid, Ready, Creating, Created, Exists, Refused, Failed int
	// Known counts waiting rows whose key an earlier import holds: they
	// will be skipped.
	Known int
}

// Good is the number of rows that passed the checks.
func (c ImportCounts) Good() int {
	return c.Ready + c.Creating + c.Created + c.Exists + c.Refused + c.Failed
}

// Finished is the number of good rows with an outcome.
func (c ImportCounts) Finished() int { return c.Created + c.Exists + c.Refused + c.Failed }

// Percent is how far the import of the good rows is, 0 to 100; it is 100
// only when every row has an outcome.
func (c ImportCounts) Percent() int {
	good := c.Good()
	if good == 0 {
		return 100
	}
	return int(math.Floor(float64(c.Finished()) * 100 / float64(good)))
}

// ImportRow is one data row of a job.
type ImportRow struct {
	ID       int64
	JobID    int64
	Line     int
	Key      string // the link's external id, given or derived; "" for invalid rows
	State    ImportRowState
	Input    *LinkInput // nil for invalid rows
	Problems []ImportProblem
	LinkID   int64
	LinkURL  string
	Attempts int
	// LeaseOwner is the worker holding the row until LeaseUntil; a
	// "creating" row without owner waits until LeaseUntil for its retry.
	LeaseOwner string
	LeaseUntil *time.Time
	UpdatedAt  time.Time
}

// derivedKeyPrefix starts the external id given to a row that has none:
// the link carries it, so the row's link can be found again.
const derivedKeyPrefix = "ld-"

// importKey returns the row's stable key and sets it as the link's
// external id: the one in the file, or one derived from every field (so
// the same row in another upload has the same key). own says the file gave
// it, so another link may carry it already.
func importKey(in *LinkInput) (key string, own bool) {
	if in.ExternalID != "" {
		return in.ExternalID, true
	}
	canon := *in
	canon.Status = "" // switching a row's status is not a new link
	b, _ := json.Marshal(canon)
	sum := sha256.Sum256(b)
	in.ExternalID = derivedKeyPrefix + hex.EncodeToString(sum[:16])
	return in.ExternalID, false
}

// ownKey reports whether a stored row's key came from the file.
func ownKey(key string) bool { return !strings.HasPrefix(key, derivedKeyPrefix) }

// importDraft builds the draft of one record. Cells are taken as typed
// except that case does not matter for currency and status, which may be
// written in Turkish ("Aktif", "TL"), and a spreadsheet's date serial in
// the expiry column is read as the date it shows.
func importDraft(fields []string, cells []string) LinkDraft {
	var d LinkDraft
	for i, field := range fields {
		if i >= len(cells) {
			break
		}
		v := strings.TrimSpace(cells[i])
		switch field {
		case FieldName:
			d.Name = v
		case FieldDescription:
			d.Description = v
		case FieldPrice:
			d.Price = v
		case FieldCurrency:
			d.Currency = normaliseCurrency(v)
		case FieldInstallments:
			d.Installments = []string{v}
		case FieldStock:
			d.Stock = v
		case FieldChannel:
			d.Channel = v
		case FieldOrderID:
			d.OrderID = v
		case FieldConversationID:
			d.ConversationID = v
		case FieldExternalID:
			d.ExternalID = v
		case FieldExpiresAt:
			d.ExpiresAt = spreadsheetDate(v)
		case FieldStatus:
			d.Status = normaliseStatus(v)
		}
	}
	return d
}

func normaliseCurrency(s string) string {
	s = strings.ToUpper(s)
	if s == "TL" || s == "₺" {
		return "TRY"
	}
	return s
}

func normaliseStatus(s string) string {
	switch strings.ToUpper(s) { // plain upper case: "aktif", "Aktif", "AKTİF"
	case "ACTIVE", "AKTIF", "AKTİF":
		return string(LinkStatusActive)
	case "PASSIVE", "PASIF", "PASİF":
		return string(LinkStatusPassive)
	}
	return s
}

// spreadsheetDate turns a date serial (days since 1899-12-30, what a
// spreadsheet stores for a date cell) into "2006-01-02 15:04"; any other
// text is returned as it is.
func spreadsheetDate(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 2958465 { // up to 9999-12-31
		return s
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	t := base.Add(time.Duration(math.Round(f*86400)) * time.Second)
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// checkColumns maps each column to its field: the name column is
// required, and a header that names no field, or a field twice, refuses
// the file (a misspelt optional column would otherwise be dropped unseen).
func checkColumns(cols []ImportColumn) ([]string, map[string]string, error) {
	fields := make([]string, len(cols))
	headers := make(map[string]string, len(cols))
	for i, c := range cols {
		if strings.TrimSpace(c.Header) == "" && c.Field == "" {
			continue // an unnamed, unused column: spreadsheets keep those
		}
		if c.Field == "" {
			return nil, nil, &ImportFileError{Key: "import.err.unknown_column", Column: c.Header}
		}
		if _, dup := headers[c.Field]; dup {
			return nil, nil, &ImportFileError{Key: "import.err.duplicate_column", Column: c.Header}
		}
		fields[i], headers[c.Field] = c.Field, c.Header
	}
	if _, ok := headers[FieldName]; !ok {
		return nil, nil, &ImportFileError{Key: "import.err.no_name_column"}
	}
	return fields, headers, nil
}

// checkRecords checks every record with the link form's rules and gives
// each good one its key; a key seen on an earlier line is a duplicate.
func checkRecords(f ImportFile, now time.Time) ([]ImportRow, error) {
	fields, headers, err := checkColumns(f.Columns)
	if err != nil {
		return nil, err
	}
	rows := make([]ImportRow, 0, len(f.Records))
	seen := make(map[string]int)
	for _, rec := range f.Records {
		if blank(rec.Cells) {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, &ImportFileError{Key: "import.err.too_many_rows"}
		}
		row := ImportRow{Line: rec.Line, State: ImportRowInvalid}
		in, fe := importDraft(fields, rec.Cells).Parse(now)
		if len(fe) > 0 {
			for _, field := range LinkFields {
				if key, ok := fe[field]; ok {
					row.Problems = append(row.Problems, ImportProblem{Field: field, Column: headers[field], Key: key})
				}
			}
			rows = append(rows, row)
			continue
		}
		key, own := importKey(&in)
		if line, dup := seen[key]; dup {
			p := ImportProblem{Key: "import.err.duplicate_row", Line: line}
			if own {
				p = ImportProblem{Field: FieldExternalID, Column: headers[FieldExternalID], Key: "import.err.duplicate_external_id", Line: line}
			}
			row.Problems = []ImportProblem{p}
			rows = append(rows, row)
			continue
		}
		seen[key] = rec.Line
		row.State, row.Key, row.Input = ImportRowReady, key, &in
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &ImportFileError{Key: "import.err.no_rows"}
	}
	return rows, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importSummary is what the audit row of a finished import records.
type importSummary struct {
	File     string `json:"file"`
	Rows     int    `json:"rows"`
	Invalid  int    `json:"invalid"`
	Created  int    `json:"created"`
	Skipped  int    `json:"skipped"`
	Refused  int    `json:"refused"`
	Failed   int    `json:"failed"`
	Started  string `json:"startedAt,omitempty"`
	Finished string `json:"finishedAt"`
}

func summaryOf(j ImportJob, at time.Time) importSummary {
	s := importSummary{File: j.FileName, Rows: j.TotalRows, Invalid: j.Counts.Invalid, Created: j.Counts.Created,
		Skipped: j.Counts.Exists, Refused: j.Counts.Refused, Failed: j.Counts.Failed, Finished: at.UTC().Format(time.RFC3339)}
	if j.StartedAt != nil {
		s.Started = j.StartedAt.UTC().Format(time.RFC3339)
	}
	return s
}
