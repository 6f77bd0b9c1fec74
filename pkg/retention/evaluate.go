package retention

import (
	"fmt"
	"slices"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
)

// Status is a backup's retention status, in Barman's words.
type Status string

// The retention statuses.
const (
	Valid               Status = "VALID"
	Obsolete            Status = "OBSOLETE"
	PotentiallyObsolete Status = "OBSOLETE*"
	KeepFull            Status = "KEEP:FULL"
	KeepStandalone      Status = "KEEP:STANDALONE"
	None                Status = "-"
)

// Policy is a server's retention settings.
type Policy struct {
	config.RetentionPolicy
	MinimumRedundancy int
}

// Verdict is a backup's status and why.
type Verdict struct {
	Status Status
	Reason string
}

// Report is the verdict on every backup of a server.
type Report struct {
	Policy Policy
	Now    time.Time
	// WindowStart is the point of recoverability (recovery window only).
	WindowStart time.Time
	Verdicts    map[string]Verdict
	// Warnings are about the settings (a redundancy below the minimum).
	Warnings []string
}

// Evaluate judges the backups of catalogue c at time now.
func Evaluate(p Policy, c *backups.Catalogue, now time.Time) (*Report, error) {
	r := &Report{Policy: p, Now: now, Verdicts: map[string]Verdict{}}
	var err error
	if p.IsRedundancy() {
		err = r.redundancy(c)
	} else {
		r.WindowStart = now.Add(-p.Window)
		err = r.window(c)
	}
	return r, err
}

// keepStatus is the KEEP:* status of a kept backup, "" for others.
func keepStatus(c *backups.Catalogue, id string) (Status, error) {
	target, kept, err := c.KeepTarget(id)
	switch {
	case err != nil || !kept:
		return "", err
	case target == backups.KeepStandalone:
		return KeepStandalone, nil
	}
	return KeepFull, nil
}

// judged is the DONE backups, newest first; the others get "-" now.
func (r *Report) judged(c *backups.Catalogue) []*catalog.BackupInfo {
	var out []*catalog.BackupInfo
	for _, b := range slices.Backward(c.Backups) {
		if b.Status() != catalog.StatusDone {
			r.Verdicts[b.ID] = Verdict{None, fmt.Sprintf("%s: only DONE backups count and can be removed", b.Status())}
			continue
		}
		out = append(out, b)
	}
	return out
}

func keptReason(st Status) string {
	if st == KeepStandalone {
		return "kept by 'barman keep --target standalone': the backup and the WAL files it needs to be consistent stay"
	}
	return "kept by 'barman keep --target full': the backup and every WAL file from it onwards stay"
}

// redundancy: the n newest DONE backups are VALID (kept ones use a slot),
// the others OBSOLETE.
func (r *Report) redundancy(c *backups.Catalogue) error {
	p := r.Policy
	n := p.Redundancy
	if n < p.MinimumRedundancy {
		r.Warnings = append(r.Warnings, fmt.Sprintf("Retention policy redundancy (%d) is lower than the required minimum redundancy (%d). Enforce %d.", n, p.MinimumRedundancy, p.MinimumRedundancy))
		n = p.MinimumRedundancy
	}
	if n == 0 {
		r.Warnings = append(r.Warnings, "REDUNDANCY 0 would make every backup obsolete: the newest DONE backup is kept (leave retention_policy empty for no automatic removal)")
		n = 1
	}
	for i, b := range r.judged(c) {
		st, err := keepStatus(c, b.ID)
		if err != nil {
			return err
		}
		switch {
		case st != "":
			r.Verdicts[b.ID] = Verdict{st, keptReason(st) + fmt.Sprintf("; it is number %d of the DONE backups, newest first", i+1)}
		case i < n && n == 1:
			r.Verdicts[b.ID] = Verdict{Valid, fmt.Sprintf("the newest DONE backup (%s)", p.Text)}
		case i < n:
			r.Verdicts[b.ID] = Verdict{Valid, fmt.Sprintf("one of the %d newest DONE backups (%s)", n, p.Text)}
		case n == 1:
			r.Verdicts[b.ID] = Verdict{Obsolete, fmt.Sprintf("older than the newest DONE backup (%s)", p.Text)}
		default:
			r.Verdicts[b.ID] = Verdict{Obsolete, fmt.Sprintf("older than the %d newest DONE backups (%s)", n, p.Text)}
		}
	}
	return nil
}

// window: backups that ended inside the window are VALID, and so is the
// newest one that ended before it (recovery to the window's start needs
// it); older ones are OBSOLETE, or OBSOLETE* while fewer than
// minimum_redundancy backups are kept.
func (r *Report) window(c *backups.Catalogue) error {
	start, min := r.WindowStart, r.Policy.MinimumRedundancy
	var cover *catalog.BackupInfo // the newest backup that ended before start
	valid := 0
	for _, b := range r.judged(c) {
		st, err := keepStatus(c, b.ID)
		if err != nil {
			return err
		}
		end, hasEnd := b.EndTime()
		switch {
		case cover == nil:
			v := Verdict{Valid, fmt.Sprintf("ended %s, inside the recovery window (%s, from %s)", stamp(end), r.Policy.Text, stamp(start))}
			if hasEnd && end.Before(start) {
				cover = b
				v.Reason = fmt.Sprintf("the newest backup that ended before the recovery window starts (%s): recovering to any point of the window needs it", stamp(start))
			}
			if st != "" {
				v = Verdict{st, keptReason(st)}
			}
			r.Verdicts[b.ID] = v
			valid++
		case st != "":
			r.Verdicts[b.ID] = Verdict{st, keptReason(st)}
			if valid < min {
				valid++
			}
		case valid < min:
			r.Verdicts[b.ID] = Verdict{PotentiallyObsolete, fmt.Sprintf("older than the recovery window, kept for minimum_redundancy = %d", min)}
			valid++
		default:
			r.Verdicts[b.ID] = Verdict{Obsolete, fmt.Sprintf("ended %s, before the recovery window starts (%s); the newer backup %s already reaches it", stamp(end), stamp(start), cover.ID)}
		}
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// Status returns backup id's status ("-" for a backup not judged).
func (r *Report) Status(id string) Status {
	if v, ok := r.Verdicts[id]; ok {
		return v.Status
	}
	return None
}

// Obsolete returns the OBSOLETE backups of c, oldest first.
func (r *Report) Obsolete(c *backups.Catalogue) []*catalog.BackupInfo {
	var out []*catalog.BackupInfo
	for _, b := range c.Backups {
		if r.Status(b.ID) == Obsolete {
			out = append(out, b)
		}
	}
	return out
}
