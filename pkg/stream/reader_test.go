package stream

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// TestGrease slips records of unknown types and unknown keys between known
// records, as a newer stage would: the known records still come out whole.
func TestGrease(t *testing.T) {
	var in bytes.Buffer
	var known []Record
	for i, r := range samples() {
		line, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		// Unknown keys in front, in the middle and at the end.
		line = bytes.Replace(line, []byte(`"v":1,`), []byte(`"v":1,"grease_a":{"x":[1,2,{"y":null}]},`), 1)
		line = append(line[:len(line)-1], []byte(`,"grease_z":"zz","path_b64x":"!"}`)...)
		in.Write(line)
		in.WriteString("\n")
		if i%2 == 0 {
			in.WriteString(`{"type":"grease_record","v":1,"anything":[true,false],"path":"/x"}` + "\n\n")
		}
		known = append(known, r)
	}
	in.WriteString(`{"v":1,"type":"grease_last"}`) // no final newline
	var gotKnown []Record
	var unknown []string
	for _, rec := range readAll(t, in.Bytes()) {
		if u, ok := rec.(*Unknown); ok {
			unknown = append(unknown, u.Name)
			continue
		}
		gotKnown = append(gotKnown, rec)
	}
	if !reflect.DeepEqual(gotKnown, known) {
		t.Errorf("known records changed by grease:\n got %#v\nwant %#v", gotKnown, known)
	}
	if len(unknown) != 9 || unknown[8] != "grease_last" {
		t.Errorf("unknown records: %q", unknown)
	}
}

func TestUnknownPassesThrough(t *testing.T) {
	in := "{ \"type\" : \"future\", \"v\":1, \"when\":\"later\", \"n\": [1, 2] }\n"
	recs := readAll(t, []byte(in))
	u := recs[0].(*Unknown)
	if u.Name != "future" || u.V != 1 {
		t.Errorf("%#v", u)
	}
	out := writeAll(t, recs)
	if want := `{"type":"future","v":1,"when":"later","n":[1,2]}` + "\n"; string(out) != want {
		t.Errorf("got %s want %s", out, want)
	}
	out = writeAll(t, []Record{&Unknown{Name: "bare", V: 1}})
	if string(out) != `{"type":"bare","v":1}`+"\n" {
		t.Errorf("got %s", out)
	}
}

// TestBadLines: each bad line is reported with its number, and reading goes
// on with the next line.
func TestBadLines(t *testing.T) {
	lines := []string{
		`{"type":"summary","v":1,"stage":"a","files":1}`, // 1 ok
		`{"type":"summary","v":1,"stage":`,               // 2 truncated
		``,                                               // 3 blank, skipped
		`not json`,                                       // 4
		`{"v":1,"stage":"a"}`,                            // 5 no type
		`{"type":"wal_file","v":1,"size":"big"}`,         // 6 wrong JSON type
		`{"type":"wal_file","v":2,"name":"x"}`,           // 7 newer version
		`[{"type":"summary"}]`,                           // 8 not an object
		`{"type":"summary","v":1}{"type":"summary"}`,     // 9 two objects
		`{"type":"backup_file","v":1,"mode":"0999"}`,     // 10 bad mode
		`{"type":"progress","v":1,"time":"yesterday"}`,   // 11 bad time
		`  {"type":"summary","v":"1"}`,                   // 12 v is a string
		`{"type":"error","v":1,"message":"last"}`,        // 13 ok
		`  {x}`, // 14 column counts from the line start
	}
	want := []string{
		`<stdin>:2: invalid JSON: truncated record`,
		`<stdin>:4: not a JSON object`,
		`<stdin>:5: record has no "type"`,
		`<stdin>:6: wal_file: size: JSON string where int64 is expected`,
		`<stdin>:7: record version 2 not supported (this reader knows version 1)`,
		`<stdin>:8: not a JSON object`,
		`<stdin>:9: invalid JSON at column 25: invalid character '{' after top-level value`,
		`<stdin>:10: backup_file: mode: "0999" is not a permission mode (octal string up to "7777")`,
		`<stdin>:11: progress: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`,
		`<stdin>:12: "v" must be an integer, not "1"`,
		`<stdin>:14: invalid JSON at column 4: invalid character 'x' looking for beginning of object key string`,
	}
	r := NewReader(strings.NewReader(strings.Join(lines, "\n")+"\n"), "<stdin>")
	var errs []string
	var types []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			errs = append(errs, err.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, rec.Type())
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors:\n got %q\nwant %q", errs, want)
	}
	if !reflect.DeepEqual(types, []string{"summary", "error"}) || r.Errors() != len(want) || r.Line() != 14 {
		t.Errorf("records %q, Errors() %d, Line() %d", types, r.Errors(), r.Line())
	}
}

func TestVersionErrorIsTyped(t *testing.T) {
	_, err := NewReader(strings.NewReader(`{"type":"summary","v":0}`), "f").Read()
	var ve *VersionError
	if !errors.As(err, &ve) || ve.V != 0 {
		t.Errorf("got %v", err)
	}
	rec, err := Unmarshal([]byte(`{"type":"summary","stage":"hand-made"}`))
	if err != nil || rec.(*Summary).Stage != "hand-made" {
		t.Errorf("record without v: %#v, %v", rec, err)
	}
}

func TestLongLineIsSkipped(t *testing.T) {
	long := `{"type":"error","v":1,"message":"` + strings.Repeat("x", 10000) + `"}`
	in := long + "\n" + `{"type":"error","v":1,"message":"short"}` + "\n"
	r := NewReader(iotest.HalfReader(strings.NewReader(in)), "big")
	r.SetMaxLineSize(5000)
	if _, err := r.Read(); err == nil || err.Error() != "big:1: line longer than 5000 bytes" {
		t.Fatalf("got %v", err)
	}
	rec, err := r.Read()
	if err != nil || rec.(*Error).Message != "short" || r.Line() != 2 {
		t.Fatalf("got %#v, %v at line %d", rec, err, r.Line())
	}
	r = NewReader(strings.NewReader(in), "big")
	if rec, err := r.Read(); err != nil || len(rec.(*Error).Message) != 10000 {
		t.Fatalf("default limit: %v", err)
	}
}

func TestReadErrorIsFinal(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader(`{"type":"error","message":"a"}`+"\n"), iotest.ErrReader(boom)), "pipe")
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := r.Read()
		var le *LineError
		if !errors.Is(err, boom) || errors.As(err, &le) || err.Error() != "pipe: boom" {
			t.Fatalf("got %v", err)
		}
	}
}

func TestCRLFAndBlankLines(t *testing.T) {
	in := "\r\n  \n{\"type\":\"error\",\"v\":1,\"message\":\"m\"}\r\n\n"
	recs := readAll(t, []byte(in))
	if len(recs) != 1 || recs[0].(*Error).Message != "m" {
		t.Errorf("%#v", recs)
	}
}
