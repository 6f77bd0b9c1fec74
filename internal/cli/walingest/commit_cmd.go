package walingest

import ()

type commitCmd struct {
	Server string `arg:"" help:"Server name."`
}

// Run catalogues every placed wal_file record of its input, in WAL name
// order once the input ends, passing every other record through at once,
// and ends with a summary.
func (cmd *commitCmd) Run(e *runEnv) error {
	s, err := e.server(cmd.Server)
	if err != nil {
		return err
	}
	return s.job.Commit(e.ctx, e.stdin, e.stdout)
}
