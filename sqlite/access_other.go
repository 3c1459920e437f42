//go:build !unix

package sqlite

// accessReason says why SQLite could not open or write the store. Without
// access(2) there is nothing more precise to say than this.
func accessReason(string) string {
	return "the file or its -wal/-shm files cannot be written"
}
