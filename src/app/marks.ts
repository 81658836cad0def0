/** performance.mark() set when the page first has a listing to show (real-user monitoring, the benchmark). */
export const FIRST_LISTING_MARK = 'sessionbox:first-listing';
