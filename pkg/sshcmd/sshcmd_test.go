package sshcmd

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	c, err := Parse(`ssh -p 2222 -o "ProxyCommand=nc %h %p" postgres@pg`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ssh", "-p", "2222", "-o", "ProxyCommand=nc %h %p", "postgres@pg",
		"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "true"}
	if got := c.Args("true"); !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q", got)
	}
	if _, err := Parse(`ssh 'pg`); err == nil {
		t.Error("unbalanced quote accepted")
	}
}

func TestOutputReportsFailure(t *testing.T) {
	// A non-ssh command stands in for ssh: it receives the remote command
	// as its last argument, like ssh does.
	c, _ := Parse(`sh -c`)
	out, err := c.Output(context.Background(), "echo hi")
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("out %q err %v", out, err)
	}
	_, err = c.Output(context.Background(), "echo nope >&2; exit 3")
	if err == nil || err.Error() != "sh -c: nope" {
		t.Errorf("err = %v", err)
	}
}

func TestWith(t *testing.T) {
	c, _ := Parse("ssh -o Compression=no postgres@pg")
	z := c.With("Compression=yes")
	got := strings.Join(z.Args("true"), " ")
	if got != "ssh -o Compression=no postgres@pg -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o Compression=yes true" {
		t.Errorf("args %s", got)
	}
	if len(c.Options) != 0 {
		t.Error("With changed the original")
	}
	other, _ := Parse("/usr/local/bin/myrsh pg")
	if got := strings.Join(other.With("Compression=yes").Args("true"), " "); got != "/usr/local/bin/myrsh pg true" {
		t.Errorf("not ssh: %s", got)
	}
}
