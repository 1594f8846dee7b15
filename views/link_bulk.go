package views

import (
	"net/url"
	"strconv"

	"linkdesk/app"
)

// MaxSelectedLinks bounds the links ticked one by one that one request
// names; "all matching" has no bound (a list page shows at most 100).
const MaxSelectedLinks = 1000

// LinkSelection is what a bulk action applies to: the ticked links, or
// every link the list's filter matches.
type LinkSelection struct {
	IDs    []int64
	All    bool
	Filter LinkFilter
}

// LinkSelectionFrom reads a selection: id=… values, or all=1 with the
// list's filters. Ids that are not positive numbers are dropped, repeats
// kept once.
func LinkSelectionFrom(q url.Values) LinkSelection {
	s := LinkSelection{All: q.Get("all") == "1", Filter: LinkFilterFrom(q)}
	seen := map[int64]bool{}
	for _, raw := range q["id"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id > 0 && !seen[id] {
			seen[id] = true
			s.IDs = append(s.IDs, id)
		}
	}
	return s
}

// Empty reports a selection of nothing.
func (s LinkSelection) Empty() bool { return !s.All && len(s.IDs) == 0 }

// fields is the selection as form fields, for the confirmation's form.
func (s LinkSelection) fields() []field {
	if s.All {
		return append(s.Filter.hidden(), field{"all", "1"})
	}
	out := make([]field, len(s.IDs))
	for i, id := range s.IDs {
		out[i] = field{"id", strconv.FormatInt(id, 10)}
	}
	return out
}

// BulkProps is the confirmation of a bulk action.
type BulkProps struct {
	Action app.LinkBulkAction
	Count  int
	Names  []string // the first few links' names
	Sel    LinkSelection
	Next   string
	CSRF   string
}

// bulkShownNames is how many names a confirmation lists.
const bulkShownNames = 10

// More is how many links the confirmation does not name.
func (p BulkProps) More() int { return max(p.Count-len(p.Names), 0) }
