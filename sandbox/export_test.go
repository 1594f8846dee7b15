package sandbox

import "slices"

// SearchStatement is one SQL statement a product search runs.
type SearchStatement struct {
	Name string // what the statement is for
	SQL  string
	Args []any
}

// SearchStatements lists every statement a search for rawQuery can run: the count,
// and the page listed from each end, by the plan's index and, for a range, by the
// walk in id order. The page's LIMIT and OFFSET are 25 and 0.
func SearchStatements(rawQuery string) ([]SearchStatement, error) {
	f, err := parseProductFilter(rawQuery)
	if err != nil {
		return nil, err
	}
	pl := f.plan()
	if pl.none {
		return nil, nil
	}
	page := append(slices.Clip(pl.args), 25, 0)
	var out []SearchStatement
	if pl.countFrom != "" { // without a filter, sandbox_products_stats holds the count
		out = append(out, SearchStatement{"count", pl.countSQL(), pl.args})
	}
	for _, from := range []string{pl.pageFrom, pl.walkFrom} {
		if from == "" {
			continue
		}
		for _, order := range []string{"DESC", "ASC"} {
			out = append(out, SearchStatement{"page " + order + " from " + from, pl.pageSQL(from, order), page})
		}
	}
	return out, nil
}
