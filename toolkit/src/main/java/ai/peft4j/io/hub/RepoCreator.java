package ai.peft4j.io.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** {@code POST /api/repos/create}; HTTP 409 means the repo exists already. */
final class RepoCreator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubHttp http;

    RepoCreator(HubHttp http) {
        this.http = http;
    }

    String create(RepoId repo, boolean isPrivate, boolean existOk) {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", repo.name());
        if (repo.namespace() != null) {
            body.put("organization", repo.namespace());
        }
        body.put("private", isPrivate);
        body.put("type", "model");
        String url = http.endpoint() + "/" + repo;
        try {
            HttpRequest request = http.request(http.apiUrl("/api/repos/create"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                    .build();
            HttpResponse<String> r = http.sendForText(request);
            if (r.statusCode() / 100 == 2) {
                String answered = JSON.readTree(r.body().isBlank() ? "{}" : r.body())
                        .path("url")
                        .asText("");
                return answered.isEmpty() ? url : answered;
            }
            if (r.statusCode() == 409 && existOk) {
                return url;
            }
            if (r.statusCode() == 409) {
                throw new HubException(
                        "cannot create " + repo + ": it already exists (HTTP 409). Push to it"
                                + " as is (createRepo(id, private, true)) or choose another name",
                        409,
                        null);
            }
            throw HubErrors.of(r.statusCode(), r.headers(), r.body(), "create the repo " + repo, http.endpoint(), repo);
        } catch (IOException e) {
            throw new HubException(
                    "cannot create " + repo + ": the Hub at " + http.endpoint() + " cannot be reached (" + e + ")", e);
        }
    }
}
