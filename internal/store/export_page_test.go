package store

// SetExportPage changes how many conversations an export reads at a time
// (tests: paging with few rows); it returns the previous size.
func SetExportPage(n int) int {
	old := exportPage
	exportPage = n
	return old
}
