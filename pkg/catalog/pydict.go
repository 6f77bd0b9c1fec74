package catalog

// dict parses "{key: value, ...}"; p is on the "{". As in Python, a key
// seen twice keeps its first position and its last value.
func (p *pyParser) dict(depth int) (PyValue, error) {
	p.pos++
	d := PyDict{}
	for p.peek() != '}' {
		it, err := p.item(depth + 1)
		if err != nil {
			return nil, err
		}
		d = d.set(it)
		if _, err := p.separator('}'); err != nil {
			return nil, err
		}
	}
	p.pos++
	return d, nil
}

// item parses one "key: value" pair.
func (p *pyParser) item(depth int) (PyItem, error) {
	at := p.pos
	k, err := p.value(depth)
	if err != nil {
		return PyItem{}, err
	}
	if !hashable(k) {
		p.pos = at
		return PyItem{}, p.errorf("dict key is not hashable")
	}
	if p.peek() != ':' {
		return PyItem{}, p.errorf("expected \":\" after a dict key")
	}
	p.pos++
	v, err := p.value(depth)
	return PyItem{Key: k, Value: v}, err
}

// set adds it to d, replacing the value of an equal key.
func (d PyDict) set(it PyItem) PyDict {
	for i := range d {
		if pyEqual(d[i].Key, it.Key) {
			d[i].Value = it.Value
			return d
		}
	}
	return append(d, it)
}

// hashable reports whether v may be a dict key in Python.
func hashable(v PyValue) bool {
	switch v := v.(type) {
	case PyList, PyDict:
		return false
	case PyTuple:
		for _, it := range v {
			if !hashable(it) {
				return false
			}
		}
	}
	return true
}
