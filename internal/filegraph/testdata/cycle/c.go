package cycle

func G() { F(T{}) }
