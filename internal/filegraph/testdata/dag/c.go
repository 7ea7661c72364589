package dag

const c = 1
