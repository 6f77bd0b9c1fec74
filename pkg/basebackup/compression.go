package basebackup

import (
	"fmt"
	"strconv"

	"github.com/gobarman/barman/pkg/compress"
)

// Compression is backup_compression and its companion options (postgres
// method only).
type Compression struct {
	Algo string // gzip, lz4, zstd or none; "" keeps the backup a plain copy
	// Level is backup_compression_level in the algorithm's own scale
	// (gzip 1-9, lz4 1-12, zstd 1-22); 0 is the algorithm's default.
	Level int
	// Server asks PostgreSQL to compress (backup_compression_location =
	// server); else we compress what we receive.
	Server bool
	// Plain (backup_compression_format = plain, Server only) decompresses
	// what PostgreSQL sent and stores plain files: compression only saves
	// network bandwidth.
	Plain bool
	// Workers is backup_compression_workers: zstd threads on the server,
	// or compressing goroutines here (0: one per core).
	Workers int
}

// Tar reports whether the backup is stored as compressed tar archives.
func (c Compression) Tar() bool { return c.Algo != "" && !c.Plain }

// Validate checks the combination, with Barman's messages.
func (c Compression) Validate() error {
	if c.Algo == "" {
		return nil
	}
	limits := map[string]int{compress.Gzip: 9, compress.LZ4: 12, compress.Zstd: 22, compress.None: 0}
	hi, ok := limits[c.Algo]
	if !ok {
		return fmt.Errorf("backup_compression %q is not supported (accepted: gzip, lz4, zstd, none)", c.Algo)
	}
	if c.Level != 0 && (c.Level < 1 || c.Level > hi) {
		return fmt.Errorf("backup_compression_level %d unsupported by compression %s (accepted: 1 to %d)", c.Level, c.Algo, hi)
	}
	if c.Plain && !c.Server {
		return fmt.Errorf("backup_compression_format plain is not compatible with backup_compression_location client: set backup_compression_location = server")
	}
	if c.Server && c.Algo == compress.None {
		return fmt.Errorf("backup_compression none cannot be done by the server: unset backup_compression_location")
	}
	if c.Workers < 0 {
		return fmt.Errorf("backup_compression_workers should be a positive integer: %d is invalid", c.Workers)
	}
	return nil
}

// serverOptions are the BASE_BACKUP options asking PostgreSQL to
// compress.
func (c Compression) serverOptions() []string {
	if !c.Server || c.Algo == "" {
		return nil
	}
	o := []string{"COMPRESSION " + quoteLiteral(c.Algo)}
	detail := ""
	if c.Level != 0 {
		detail = "level=" + strconv.Itoa(c.Level)
	}
	if c.Algo == compress.Zstd && c.Workers > 0 {
		if detail != "" {
			detail += ","
		}
		detail += "workers=" + strconv.Itoa(c.Workers)
	}
	if detail != "" {
		o = append(o, "COMPRESSION_DETAIL "+quoteLiteral(detail))
	}
	return o
}

// level is Level for compress.NewWriter: the algorithm's default when 0
// (PostgreSQL's: gzip 6, lz4 fast, zstd 3).
func (c Compression) level() compress.Level {
	if c.Level != 0 {
		return compress.Level(c.Level)
	}
	switch c.Algo {
	case compress.Gzip:
		return 6
	case compress.Zstd:
		return 3
	}
	return 1
}

// CompressionFromConfig reads backup_compression and its companions
// through get (a server section's values, "" when unset) and validates
// them for backup_method method.
func CompressionFromConfig(get func(key string) string, method string) (Compression, error) {
	c := Compression{Algo: get("backup_compression")}
	if c.Algo == "" {
		return c, nil
	}
	if method != "postgres" {
		return c, fmt.Errorf("backup_compression = %s works only with backup_method = postgres (this server uses %s): unset it or change the method", c.Algo, method)
	}
	var err error
	if v := get("backup_compression_level"); v != "" {
		if c.Level, err = strconv.Atoi(v); err != nil {
			return c, fmt.Errorf("backup_compression_level %q is not an integer", v)
		}
	}
	if v := get("backup_compression_workers"); v != "" {
		if c.Workers, err = strconv.Atoi(v); err != nil {
			return c, fmt.Errorf("backup_compression_workers %q is not an integer", v)
		}
	}
	c.Server = get("backup_compression_location") == "server"
	c.Plain = get("backup_compression_format") == "plain"
	return c, c.Validate()
}
