// Starts Redoc on the /docs page. Redoc's styled-components insert their <style> elements with the
// nonce given here, which the page's Content-Security-Policy allows (its <meta property="csp-nonce">).
const nonce = document.querySelector('meta[property="csp-nonce"]')?.nonce;
window.Redoc.init(
  '/openapi.json',
  { nonce, expandResponses: '200', jsonSampleExpandLevel: 4, hideHostname: true },
  document.getElementById('redoc'),
);
