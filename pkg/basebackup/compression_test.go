package basebackup

import (
	"strings"
	"testing"
)

func TestCompressionFromConfig(t *testing.T) {
	for _, tc := range []struct {
		conf    map[string]string
		method  string
		want    string // BASE_BACKUP options, or the error's start
		wantErr bool
		tar     bool
	}{
		{map[string]string{}, "postgres", "", false, false},
		{map[string]string{"backup_compression": "zstd"}, "postgres", "", false, true},
		{map[string]string{"backup_compression": "zstd", "backup_compression_location": "server", "backup_compression_level": "5", "backup_compression_workers": "2"},
			"postgres", "COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=5,workers=2'", false, true},
		{map[string]string{"backup_compression": "gzip", "backup_compression_location": "server", "backup_compression_workers": "2"},
			"postgres", "COMPRESSION 'gzip'", false, true},
		{map[string]string{"backup_compression": "lz4", "backup_compression_location": "server", "backup_compression_format": "plain"},
			"postgres", "COMPRESSION 'lz4'", false, false},
		{map[string]string{"backup_compression": "gzip", "backup_compression_level": "10"}, "postgres", "backup_compression_level 10 unsupported", true, false},
		{map[string]string{"backup_compression": "lz4", "backup_compression_format": "plain"}, "postgres", "backup_compression_format plain is not compatible", true, false},
		{map[string]string{"backup_compression": "none", "backup_compression_location": "server"}, "postgres", "backup_compression none cannot", true, false},
		{map[string]string{"backup_compression": "zstd"}, "rsync", "backup_compression = zstd works only with backup_method = postgres", true, false},
		{map[string]string{"backup_compression": "zstd", "backup_compression_level": "x"}, "postgres", "backup_compression_level \"x\" is not an integer", true, false},
	} {
		c, err := CompressionFromConfig(func(k string) string { return tc.conf[k] }, tc.method)
		if tc.wantErr {
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("%v: error %v, want %q", tc.conf, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.conf, err)
			continue
		}
		if got := strings.Join(c.serverOptions(), ", "); got != tc.want {
			t.Errorf("%v: server options %q, want %q", tc.conf, got, tc.want)
		}
		if c.Tar() != tc.tar {
			t.Errorf("%v: Tar() = %v", tc.conf, c.Tar())
		}
	}
}
