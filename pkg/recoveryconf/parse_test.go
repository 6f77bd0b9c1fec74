package recoveryconf

import (
	"bytes"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		in              string
		ok              bool
		key, raw, value string
	}{
		{"archive_command = 'cp %p /a/%f'", true, "archive_command", "'cp %p /a/%f'", "cp %p /a/%f"},
		{"archive_command='cp'", true, "archive_command", "'cp'", "cp"},
		{"archive_command 'cp'", true, "archive_command", "'cp'", "cp"},
		{"  \tArchive_Command\t=\t'cp'  # comment", true, "archive_command", "'cp'", "cp"},
		{"archive_command = 'cp'\r", true, "archive_command", "'cp'", "cp"},
		{"archive_command = 'a # b' # c", true, "archive_command", "'a # b'", "a # b"},
		{"archive_command = 'it''s'", true, "archive_command", "'it''s'", "it's"},
		{`archive_command = 'it\'s'`, true, "archive_command", `'it\'s'`, "it's"},
		{`archive_command = 'a\\b\tc\101\7'`, true, "archive_command", `'a\\b\tc\101\7'`, "a\\b\tcA\a"},
		{"archive_command = false", true, "archive_command", "false", "false"},
		{"archive_command = /bin/true", false, "", "", ""}, // unquoted strings start with a letter
		{"archive_mode = on", true, "archive_mode", "on", "on"},
		{"shared_buffers = 128MB", true, "shared_buffers", "128MB", "128MB"},
		{"max_connections=100", true, "max_connections", "100", "100"},
		{"checkpoint_completion_target = 0.9", true, "checkpoint_completion_target", "0.9", "0.9"},
		{"x = -1.5e3", true, "x", "-1.5e3", "-1.5e3"},
		{"x = 0x1F", true, "x", "0x1F", "0x1F"},
		{"x = .5", true, "x", ".5", ".5"},
		{"x = 1e5", false, "", "", ""}, // INTEGER "1e", then "5": two values
		{"x = a.b", false, "", "", ""}, // a QUALIFIED_ID is not a value
		{"x = a.b.c", true, "x", "a.b.c", "a.b.c"},
		{"x = a-b:c/d", true, "x", "a-b:c/d", "a-b:c/d"},
		{"pg_stat_statements.max = 10000", true, "pg_stat_statements.max", "10000", "10000"},
		{"caf\xe9 = x", true, "caf\xe9", "x", "x"},
		{"include 'other.conf'", true, "include", "'other.conf'", "other.conf"},
		{"#archive_command = 'cp'", false, "", "", ""},
		{"#BARMAN#archive_command = 'cp'", false, "", "", ""},
		{"", false, "", "", ""},
		{"   \r", false, "", "", ""},
		{"archive_command =", false, "", "", ""},
		{"archive_command = 'unterminated", false, "", "", ""},
		{"archive_command = 'a' 'b'", false, "", "", ""},
		{"archive_command == 'a'", false, "", "", ""},
		{"archive-command = 'a'", false, "", "", ""},
		{"1x = 'a'", false, "", "", ""},
		{"= 'a'", false, "", "", ""},
		{`archive_command = 'a\'`, false, "", "", ""},
	}
	for _, tt := range tests {
		s, ok := parseLine([]byte(tt.in))
		if ok != tt.ok || s.key != tt.key || s.raw != tt.raw || s.value != tt.value {
			t.Errorf("parseLine(%q) = %q %q %q %v, want %q %q %q %v",
				tt.in, s.key, s.raw, s.value, ok, tt.key, tt.raw, tt.value, tt.ok)
		}
	}
}

func TestSplitJoinLines(t *testing.T) {
	for _, in := range []string{"", "a", "a\n", "a\r\nb", "\n\n", "a\nb\n"} {
		if got := joinLines(splitLines([]byte(in))); !bytes.Equal(got, []byte(in)) {
			t.Errorf("joinLines(splitLines(%q)) = %q", in, got)
		}
	}
}
