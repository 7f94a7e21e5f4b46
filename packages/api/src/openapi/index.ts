export { buildOpenApiDocument, describeRestRoutes, type QueryParamType, type RestRoute } from './document.ts';
export { NOT_REST, REST_ROUTES } from './rest-routes.ts';
