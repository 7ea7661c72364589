package cycle

func (T) M() {}
