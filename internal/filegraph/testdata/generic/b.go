package generic

type List[E any] struct{ items []E }
