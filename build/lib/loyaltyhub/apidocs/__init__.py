"""The API documentation the app serves: the client-ready OpenAPI document and the offline /docs and /redoc.

Above the domains (it reads every route's authenticator to declare its credentials), like the app itself."""
