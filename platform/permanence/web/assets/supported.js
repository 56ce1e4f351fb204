// GOV.UK Frontend's body classes, set before the page is drawn: `js-enabled`, and
// `govuk-frontend-supported` where the browser runs ES modules (GOV.UK Frontend
// initialises only then). A file rather than GOV.UK's inline snippet, so the
// Content-Security-Policy can refuse every inline script.
//
// Copied to static/build/supported.js by `npm run build`.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
