// The API's page (/api/v1/docs): Swagger UI drawn from the vendored bundle, reading the OpenAPI
// document whose address the page carries. A file, not inline: the pages' policy forbids inline scripts.
(function () {
  var element = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: element.getAttribute("data-document"),
    domNode: element,
    deepLinking: true,
    persistAuthorization: false,
    // Nothing is fetched from outside: no validator badge (it calls swagger.io).
    validatorUrl: null,
  });
})();
