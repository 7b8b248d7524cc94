// The one place the routes read core's error-code → HTTP status table from.
export { httpStatusOf } from '../errors'
