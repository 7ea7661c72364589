package dag

func B() int { return c }
