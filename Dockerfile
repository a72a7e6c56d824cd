# syntax=docker/dockerfile:1
#
# adagio container image.
#   docker build -t adagio:0.1.0 .
#   docker run --rm -p 7890:7890 adagio:0.1.0
#
# Stage 1 builds the Spring Boot jar and splits it into its layers; stage 2 is a
# JRE-only image that gets the layers in order of how rarely they change.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace

# The wrapper and the POM first: the dependency download below is a cached layer
# that is rebuilt only when pom.xml (or the wrapper) changes, not on every source edit.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN chmod +x mvnw \
 && ./mvnw -B -q dependency:go-offline

COPY src/ src/
RUN ./mvnw -B -DskipTests package \
 && cp target/adagio-*.jar application.jar \
 && java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted


FROM eclipse-temurin:17-jre AS runtime

# A fixed numeric UID, so Kubernetes' runAsNonRoot can verify it (the Helm chart's
# podSecurityContext.runAsUser uses the same 10001).
RUN groupadd --system --gid 10001 adagio \
 && useradd --system --no-log-init --uid 10001 --gid adagio --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin adagio

WORKDIR /app
# Least to most frequently changing; the files stay root-owned and read-only for the app user.
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./

# Container-aware heap sizing; die on OOM so the orchestrator restarts a clean JVM.
# Override JAVA_TOOL_OPTIONS as a whole to change them.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"

USER 10001:10001
EXPOSE 7890
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
