// The API description this service serves, in Swagger UI; "Try it out" calls the API with the page's session cookie.
window.ui = SwaggerUIBundle({
  url: '/openapi.yaml',
  dom_id: '#swagger-ui',
  deepLinking: true,
  withCredentials: true,
  requestInterceptor: (req) => {
    const m = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/);
    if (m && req.method && req.method !== 'GET') {
      req.headers['X-XSRF-TOKEN'] = decodeURIComponent(m[1]);
    }
    return req;
  },
});
