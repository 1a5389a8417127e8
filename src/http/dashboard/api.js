// The job's API, with the token when the job asks for one (--http-token): asked once, kept in
// sessionStorage for this tab only.
import { $ } from './format.js';

const TOKEN_KEY = 'clickstream-token';

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

let waitingForToken = null;

function askForToken(message) {
  if (waitingForToken) return waitingForToken;
  $('token-error').textContent = message || '';
  $('token-dialog').hidden = false;
  $('token-input').focus();
  waitingForToken = new Promise((resolve) => {
    $('token-form').onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token-input').value);
      $('token-dialog').hidden = true;
      waitingForToken = null;
      resolve();
    };
  });
  return waitingForToken;
}

/** GETs an /api path; on 401 asks for the token and tries again. Resolves with { status, body, headers }. */
export function api(path) {
  const headers = {};
  if (token()) headers.Authorization = 'Bearer ' + token();
  return fetch(path, { headers, cache: 'no-store' }).then((response) => {
    if (response.status === 401) {
      return askForToken(token() ? 'That token was not accepted.' : '').then(() => api(path));
    }
    return response.json().then((body) => ({ status: response.status, body, headers: response.headers }));
  });
}
