package retention

import (
	"errors"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
)

// Step is what enforcing the policy does with one OBSOLETE backup.
type Step struct {
	Backup  *catalog.BackupInfo
	Verdict Verdict
	// Skip is why the backup stays after all (minimum_redundancy), in
	// Barman's words; empty when it is removed.
	Skip string
	// WALs are the archived files removed with it, in xlog.db order.
	WALs []catalog.WALEntry
	// Purge says whether WAL files go at all (no older backup needs
	// them); Barman then lists them, even when there are none.
	Purge bool
}

// Plan is what `barman cron` would remove, in order, from the catalogue
// and WAL archive of sim (which it changes): the OBSOLETE backups of
// report, oldest first, each with the WAL files only it needed.
func Plan(report *Report, sim *backups.Simulation) ([]Step, error) {
	var steps []Step
	for _, b := range report.Obsolete(sim.Catalogue()) {
		st, err := Next(report, sim, b, nil)
		if err != nil {
			return steps, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// Next removes backup b from sim unless minimum_redundancy forbids it.
// ready, when set, runs between that check and the removal (the hook
// scripts, taking the backup out of the catalogue); its error leaves b in
// sim and is returned.
func Next(report *Report, sim *backups.Simulation, b *catalog.BackupInfo, ready func() error) (Step, error) {
	st := Step{Backup: b, Verdict: report.Verdicts[b.ID]}
	err := sim.Catalogue().Deletable(b, report.Policy.MinimumRedundancy)
	var skip *backups.SkipError
	switch {
	case errors.As(err, &skip):
		st.Skip = skip.Msg
		return st, nil
	case err != nil:
		return st, err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return st, err
		}
	}
	st.WALs, st.Purge, err = sim.Remove(b, true)
	return st, err
}
