// Starts GraphiQL on Marquee's page (see page.html). It is a file of its
// own, not an inline script, so the page's Content-Security-Policy can
// refuse every inline script.
(function () {
  "use strict";
  var script = document.currentScript;
  // The page's style nonce (see the Content-Security-Policy): GraphiQL's
  // dialogs write a <style> element (react-remove-scroll-bar, through
  // get-nonce), which takes its nonce from this global.
  window.__webpack_nonce__ = script.nonce;
  // The GraphQL endpoint, from the page; subscriptions use a WebSocket to
  // the same URL (graphql-transport-ws, with the graphql-ws client bundled
  // in GraphiQL).
  var endpoint = new URL(script.dataset.endpoint, window.location.href);
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: socket.href,
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher: fetcher }),
  );
})();
