package web

// Services are the domain services the console's pages show. Each is
// optional: a page whose service is nil answers 503 naming what serve
// lacks, as the API's routes do.
type Services struct {
}
