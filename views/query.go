package views

import (
	"net/url"
	"strconv"
)

// filterValues is a list filter as query parameters: the non-empty fields
// (name, value pairs) and the page when past the first, so paging and
// exports keep the filters and a clean URL stays clean.
func filterValues(page int, fields ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] != "" {
			v.Set(fields[i], fields[i+1])
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

// filterQuery is filterValues as "?…", or "" when nothing is set.
func filterQuery(page int, fields ...string) string {
	v := filterValues(page, fields...)
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
