"""Default deny: every route declares its permission, and nobody reaches patient data unsigned."""

from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from avert.domain.access import Permission


PUBLIC_PLAIN_ROUTES = {"/openapi.json"}  # the API's description: no patient data
PUBLIC_MOUNTS = {"/static/nhsuk", "/static/htmx", "/static/avert", "/assets"}


def declared_routes(app):
    """(path, methods, permissions) for every route, looking inside included routers."""
    found = []

    def walk(routes, inherited):
        for route in routes:
            if type(route).__name__ == "_IncludedRouter":
                router = route.original_router
                extra = [getattr(d.dependency, "permission", None) for d in router.dependencies]
                walk(router.routes, inherited + [p for p in extra if p])
            elif isinstance(route, APIRoute):
                own = [getattr(d.call, "permission", None) for d in route.dependant.dependencies]
                found.append((route.path, route.methods, inherited + [p for p in own if p]))
            elif isinstance(route, Mount):
                found.append((route.path, {"MOUNT"}, ["mount"]))
            elif isinstance(route, Route):
                found.append((route.path, route.methods, ["plain"]))

    walk(app.routes, [])
    return found


def test_every_route_declares_exactly_one_permission(app):
    """R6b: a route without a declared permission fails this test."""
    routes = declared_routes(app)
    assert len(routes) > 40
    undeclared = [
        (path, sorted(methods))
        for path, methods, permissions in routes
        if len(set(permissions)) != 1
        and not (permissions == ["plain"] and path in PUBLIC_PLAIN_ROUTES)
        and not (permissions == ["mount"] and path in PUBLIC_MOUNTS)
    ]
    assert undeclared == []


def test_an_anonymous_request_to_every_non_public_route_is_refused(app, anonymous):
    """Unsigned: 401 from the APIs, a redirect to sign in from the pages; never data."""
    checked = 0
    for path, methods, permissions in declared_routes(app):
        if permissions[0] in (Permission.PUBLIC, "mount", "plain"):
            continue
        concrete = path.replace("{referral_id}", "1").replace("{visit_id}", "1")
        concrete = concrete.replace("{action_id}", "1").replace("{ident}", "1")
        for method in methods - {"HEAD"}:
            response = anonymous.request(method, concrete, follow_redirects=False)
            checked += 1
            if concrete.startswith(("/api", "/fhir")) or method != "GET":
                assert response.status_code == 401, (method, concrete)
            else:
                assert response.status_code == 303, (method, concrete)
                assert response.headers["location"].startswith("/login")
    assert checked > 30
