// Starts GraphiQL in #graphiql. A file rather than an inline <script>, so that the page's
// Content-Security-Policy can be script-src 'self' with no 'unsafe-inline'.
'use strict';
(function () {
	var root = document.getElementById('graphiql');
	// The endpoint is on this origin (connect-src 'self'); the server writes its path.
	var url = new URL(root.dataset.endpoint, location.href).href;
	ReactDOM.createRoot(root).render(
		React.createElement(GraphiQL, {
			// Subscriptions go over a WebSocket to the same endpoint (graphql-transport-ws,
			// the graphql-ws client bundled in GraphiQL), which connect-src 'self' allows; the
			// headers below travel in its connection_init payload, so a key pasted there
			// authenticates subscriptions too.
			fetcher: GraphiQL.createFetcher({ url: url, subscriptionUrl: url.replace(/^http/, 'ws') }),
			// Open the header editor at once: partners paste their
			// {"Authorization": "Bearer …"} there. Headers are not kept in the browser's storage
			// unless the user asks for it in the settings, since they hold API keys.
			isHeadersEditorEnabled: true,
			defaultEditorToolsVisibility: 'headers',
			inputValueDeprecation: true,
			// The documentation opens from the book icon at the top of the sidebar. No
			// visiblePlugin to open it at load: in GraphiQL 4.1.2 that marks it open but leaves
			// its pane hidden, and the first click on the book then closes it.
		}),
	);
})();
