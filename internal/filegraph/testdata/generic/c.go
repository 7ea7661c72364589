package generic

func (l *List[E]) Push(e E) { l.items = append(l.items, e) }
