package recoveryconf

import (
	"bytes"
	"sort"
	"strings"
)

// Prepare validates o and plans the configuration of a restored data
// directory. files holds the current content of postgresql.conf,
// postgresql.auto.conf and, when they exist, recovery.conf, recovery.signal,
// standby.signal and Options.ConfFilename, by name; a file that is not in
// the data directory is absent from the map (a ConfFilename left out would
// be written with the recovery settings alone). files is not modified.
// Errors only come from o and wrap ErrOptions: any file content is
// accepted, and a line that is not valid configuration syntax is left as it
// is (and reported as a warning).
func Prepare(o Options, files map[string][]byte) (Plan, error) {
	settings, err := Settings(o)
	if err != nil {
		return Plan{}, err
	}
	pr := newPreparer(o, files)
	pr.guardArchiving()
	if o.wantsRecovery() {
		pr.writeSettings(settings)
	} else {
		pr.plainRecovery()
	}
	return pr.plan(), nil
}

// preparer accumulates a Plan.
type preparer struct {
	o        Options
	files    map[string][]byte
	editors  []*editor          // in the order of the report
	byName   map[string]*editor // the same, by file name
	mangled  []*editor          // postgresql.conf and postgresql.auto.conf
	p        Plan
	whole    []Change // whole-file changes, reported after the line edits
	warnings []Warning
}

// newPreparer edits the configuration files PostgreSQL reads from the data
// directory: postgresql.conf, and postgresql.auto.conf from 9.4 on.
func newPreparer(o Options, files map[string][]byte) *preparer {
	pr := &preparer{o: o, files: files, byName: map[string]*editor{},
		p: Plan{Write: map[string][]byte{}, Origin: map[string][]byte{}}}
	names := []string{PostgresqlConf}
	if o.PGVersion >= 90400 {
		names = append(names, AutoConf)
	}
	for _, name := range names {
		if content, ok := files[name]; ok {
			e := newEditor(name, content)
			pr.add(e)
			pr.mangled = append(pr.mangled, e)
		}
	}
	if _, ok := files[PostgresqlConf]; !ok {
		pr.warn(PostgresqlConf, "not in the data directory: the server will read one barman cannot see, check its archive_command and recovery settings by hand")
	}
	return pr
}

func (pr *preparer) add(e *editor) {
	pr.editors = append(pr.editors, e)
	pr.byName[e.file] = e
}

// editor returns the editor of name, creating one that keeps the current
// content (if any) unchanged.
func (pr *preparer) editor(name string) *editor {
	if e, ok := pr.byName[name]; ok {
		return e
	}
	e := &editor{file: name, lines: splitLines(pr.files[name])}
	pr.add(e)
	return e
}

func (pr *preparer) warn(file, text string) {
	pr.warnings = append(pr.warnings, Warning{File: file, Text: text})
}

// guardArchiving makes archiving stay off when some configuration is out of
// sight: postgresql.conf is missing from the data directory, or an include
// directive reads files barman was not given. The last file PostgreSQL
// reads (postgresql.auto.conf from 9.4 on) gets archive_command = false,
// and an empty archive_library from 15 on, so that they win.
func (pr *preparer) guardArchiving() {
	_, hasConf := pr.files[PostgresqlConf]
	needed := !hasConf
	for _, e := range pr.mangled {
		needed = needed || e.includes
	}
	if !needed {
		return
	}
	last := AutoConf
	if pr.o.PGVersion < 90400 {
		if !hasConf {
			return // nowhere to write: the warning about postgresql.conf stands
		}
		last = PostgresqlConf
	}
	block := []string{"# barman recover: archiving stays off whatever the configuration read before says", disabledArchiveCommand}
	if pr.o.PGVersion >= 150000 {
		block = append(block, "archive_library = ''")
	}
	pr.editor(last).appendBlock(block, map[string]bool{block[1]: true, "archive_library = ''": true})
}

// writeSettings writes the recovery settings: appended to the configuration
// file with a signal file from PostgreSQL 12 on, in recovery.conf before.
// A standby needs no setting from 12 on (it may stream with the
// primary_conninfo it has): then only standby.signal is written.
func (pr *preparer) writeSettings(settings []string) {
	block := append(pr.headerLines(), settings...)
	if pr.o.PGVersion < 120000 {
		pr.replaceRecoveryConf(block)
		return
	}
	if name := pr.o.confFilename(); len(settings) > 0 {
		pr.editor(name).appendBlock(block, nil)
		if name != PostgresqlConf && name != AutoConf {
			pr.warn(name, "holds the recovery settings: PostgreSQL reads it only if postgresql.conf includes it")
		}
	}
	pr.removeRecoveryConf("removed: PostgreSQL 12 and later refuse to start while it exists")
	signal := RecoverySignal
	if pr.o.StandbyMode {
		signal = StandbySignal
	} else {
		pr.remove(StandbySignal, "removed: it would start a standby instead of a recovery to the target")
	}
	if _, ok := pr.files[signal]; !ok { // PostgreSQL ignores its content
		pr.p.Write[signal] = []byte{}
	}
}

// headerLines opens the written block: who wrote it and when, then the
// caller's header, each line made a comment.
func (pr *preparer) headerLines() []string {
	first := "# Recovery settings written by barman recover"
	if pr.o.Stamp != "" {
		first += " on " + pr.o.Stamp
	}
	lines := []string{first}
	if pr.o.Header == "" {
		return lines
	}
	for _, h := range strings.Split(strings.TrimRight(pr.o.Header, "\n"), "\n") {
		if !strings.HasPrefix(h, "#") {
			h = "# " + h
		}
		lines = append(lines, h)
	}
	return lines
}

// replaceRecoveryConf writes recovery.conf (before PostgreSQL 12) from scratch.
func (pr *preparer) replaceRecoveryConf(block []string) {
	content := []byte(strings.Join(block, "\n") + "\n")
	if old, ok := pr.files[RecoveryConf]; ok {
		if bytes.Equal(old, content) {
			return
		}
		pr.p.Origin[RecoveryConf] = old
	}
	pr.p.Write[RecoveryConf] = content
}

// plainRecovery: nothing to write, so the server replays pg_wal and opens.
// A recovery.conf from the backup would start another recovery.
func (pr *preparer) plainRecovery() {
	if pr.o.PGVersion >= 120000 {
		pr.removeRecoveryConf("removed: PostgreSQL 12 and later refuse to start while it exists")
		if _, ok := pr.files[StandbySignal]; ok {
			pr.warn(StandbySignal, "present: the server will start as a standby; remove it to open the restored server")
		}
		return
	}
	pr.removeRecoveryConf("removed: it holds the recovery settings of the backed up server")
}

func (pr *preparer) removeRecoveryConf(why string) {
	if content, ok := pr.files[RecoveryConf]; ok {
		pr.p.Origin[RecoveryConf] = content
		pr.remove(RecoveryConf, why)
	}
}

// remove plans the removal of name if it exists.
func (pr *preparer) remove(name, why string) {
	if _, ok := pr.files[name]; ok {
		pr.p.Remove = append(pr.p.Remove, name)
		pr.whole = append(pr.whole, Change{File: name, New: why})
	}
}

// plan gathers the edited files, their origins, changes and warnings.
func (pr *preparer) plan() Plan {
	p := pr.p
	for _, e := range pr.editors {
		old, existed := pr.files[e.file]
		content := e.content()
		if existed && bytes.Equal(content, old) {
			continue
		}
		p.Write[e.file] = content
		if existed {
			p.Origin[e.file] = old
		}
		p.Changes = append(p.Changes, e.changes...)
	}
	p.Changes = append(p.Changes, pr.whole...)
	for _, e := range pr.mangled {
		p.Warnings = append(p.Warnings, e.warnings()...)
	}
	p.Warnings = append(p.Warnings, pr.warnings...)
	sort.Strings(p.Remove)
	return p
}
