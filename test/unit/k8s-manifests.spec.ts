import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig, type ServiceName } from "../../broker.config";
import { DEAD_LETTER_CHANNEL } from "../../lib/channels";
import { groupSchemas } from "../../lib/node";

/**
 * The manifests in k8s/, validated without a cluster: `kubectl kustomize` renders each overlay,
 * every object is checked against its Kubernetes (kubernetes-models) or KEDA
 * (@kubernetes-models/keda) JSON schema, then against what Etude itself declares: every
 * SERVICES group deployed once, probes and drains on every node, KEDA watching the streams and
 * consumers @moleculer/channels really creates.
 */
const root = path.resolve(import.meta.dirname, "../..");
const config = { ...loadConfig({}), jwtSecret: "x".repeat(40) };

interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; labels?: Record<string, string> };
	spec?: any;
	data?: Record<string, string>;
	stringData?: Record<string, string>;
}

interface Validatable {
	validate(): void;
}
type ModelConstructor = new (data: unknown) => Validatable;

function render(directory: string): K8sObject[] {
	const yamlText = execFileSync("kubectl", ["kustomize", path.join(root, directory)], { encoding: "utf8" });
	return parseYaml(yamlText);
}

function parseYaml(text: string): K8sObject[] {
	return parseAllDocuments(text)
		.map((document) => document.toJS() as K8sObject | null)
		.filter((object): object is K8sObject => object !== null);
}

/** The model class for an apiVersion and kind; no schema for a kind is itself a failure. */
async function modelFor(object: K8sObject): Promise<ModelConstructor> {
	const module: Record<string, ModelConstructor> = object.apiVersion.startsWith("keda.sh/")
		? await import(`@kubernetes-models/keda/${object.apiVersion}`)
		: await import(`kubernetes-models/${object.apiVersion}`);
	const model = module[object.kind];
	if (!model) throw new Error(`No schema for ${object.apiVersion} ${object.kind}`);
	return model;
}

async function expectValid(objects: K8sObject[]): Promise<void> {
	for (const object of objects) {
		const Model = await modelFor(object);
		expect(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
	}
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const etudeContainer = (deployment: K8sObject) => deployment.spec.template.spec.containers.find((container: { name: string }) => container.name === "etude");
const servicesOf = (deployment: K8sObject): string[] =>
	(etudeContainer(deployment).env.find((variable: { name: string }) => variable.name === "SERVICES")?.value ?? "").split(",").filter(Boolean);

const overlays = ["k8s/overlays/school", "k8s/overlays/cloud"];

describe("Kubernetes manifests", () => {
	it.each(["k8s/base", ...overlays])("%s renders and every object matches its schema", async (directory) => {
		const objects = render(directory);
		expect(objects.length).toBeGreaterThan(10);
		await expectValid(objects);
	});

	it("the Secret template matches its schema and holds every key the pods read", async () => {
		const [secret] = parseYaml(readFileSync(path.join(root, "k8s/secrets/etude-secrets.template.yaml"), "utf8"));
		await expectValid([secret!]);
		const wanted = new Set(
			render("k8s/base").flatMap((object) =>
				ofKind([object], "Deployment")
					.concat(ofKind([object], "Job"))
					.flatMap((workload) => workload.spec.template.spec.containers.flatMap((container: any) => container.env ?? []))
					.flatMap((variable: any) => (variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef.key] : []))
			)
		);
		expect(Object.keys(secret!.stringData!).sort()).toEqual([...wanted].sort());
		expect([...wanted]).toEqual(expect.arrayContaining(["JWT_SECRET", "PII_KEYS", "S3_ACCESS_KEY", "S3_SECRET_KEY"]));
	});

	it.each(overlays)("%s deploys every SERVICES group exactly once", (directory) => {
		const deployed = ofKind(render(directory), "Deployment").flatMap(servicesOf);
		// A group missing here goes into k8s/base/groups/core/node.yaml, or a folder of its own.
		expect(deployed.sort()).toEqual([...config.services].sort());
	});

	it.each(overlays)("%s gives every node probes, a drain before SIGTERM, resources and a disruption budget", (directory) => {
		const objects = render(directory);
		const budgets = ofKind(objects, "PodDisruptionBudget");
		for (const deployment of ofKind(objects, "Deployment")) {
			const name = deployment.metadata.name;
			const container = etudeContainer(deployment);
			expect(container.readinessProbe?.httpGet?.path, name).toMatch(/^\/api\/health/);
			expect(container.livenessProbe?.httpGet?.path, name).toBe("/api/health/live");
			expect(container.lifecycle?.preStop?.exec?.command, name).toEqual(["sleep", "5"]);
			for (const resource of ["cpu", "memory"]) {
				expect(container.resources?.requests?.[resource], `${name} requests ${resource}`).toBeDefined();
				expect(container.resources?.limits?.[resource], `${name} limits ${resource}`).toBeDefined();
			}
			const podLabels = deployment.spec.template.metadata.labels;
			const budget = budgets.find((candidate) => Object.entries(candidate.spec.selector.matchLabels).every(([key, value]) => podLabels[key] === value) && candidate.metadata.name === name);
			expect(budget, `PodDisruptionBudget for ${name}`).toBeDefined();
			// Only the gateway waits for the groups behind it before it takes traffic.
			expect(container.readinessProbe.httpGet.path).toBe(servicesOf(deployment).includes("api") ? "/api/health/ready" : "/api/health");
		}
	});

	it("scales the api group on CPU", () => {
		const [hpa] = ofKind(render("k8s/overlays/cloud"), "HorizontalPodAutoscaler");
		expect(hpa!.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "etude-api" });
		expect(hpa!.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
	});

	it("scales each worker group on the lag of exactly the JetStream consumers @moleculer/channels creates for it", async () => {
		const objects = render("k8s/overlays/cloud");
		const namespace = ofKind(objects, "ConfigMap").find((map) => map.metadata.name === "etude-config")!.data!.NAMESPACE!;
		const deployments = ofKind(objects, "Deployment");
		const scaledObjects = ofKind(objects, "ScaledObject");
		expect(scaledObjects).toHaveLength(2);
		for (const scaledObject of scaledObjects) {
			const target = deployments.find((deployment) => deployment.metadata.name === scaledObject.spec.scaleTargetRef.name);
			expect(target, scaledObject.metadata.name).toBeDefined();
			const schemas = Object.values(await groupSchemas(config, servicesOf(target!) as ServiceName[])).flat();
			// The channels library: stream "<prefix>.<channel>" with dots as underscores, durable consumer = the group.
			// A group's dead-letter reader only marks given-up jobs failed: a few messages, never a reason to scale.
			const consumed = schemas.flatMap((schema) =>
				Object.entries((schema.channels ?? {}) as Record<string, { group?: string }>)
					.filter(([channel]) => channel !== DEAD_LETTER_CHANNEL)
					.map(([channel, definition]) => ({
						stream: `${namespace}.${channel}`.split(".").join("_"),
						consumer: (definition.group ?? schema.name).split(".").join("_")
					}))
			);
			const watched = scaledObject.spec.triggers.map((trigger: any) => {
				expect(trigger.type).toBe("nats-jetstream");
				expect(trigger.metadata.natsServerMonitoringEndpoint).toBe("nats.etude.svc.cluster.local:8222");
				return { stream: trigger.metadata.stream, consumer: trigger.metadata.consumer };
			});
			expect(watched).toEqual(consumed);
			// Both worker groups also answer HTTP routes: scaling them to zero would take those away.
			expect(scaledObject.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
		}
	});

	it("runs NATS as a 3-node JetStream cluster in the cloud and keeps 3 copies of every stream", () => {
		const objects = render("k8s/overlays/cloud");
		const [nats] = ofKind(objects, "StatefulSet");
		expect(nats!.spec.replicas).toBe(3);
		const natsConfig = ofKind(objects, "ConfigMap").find((map) => map.metadata.name === "nats-config")!.data!["nats.conf"]!;
		expect(natsConfig).toMatch(/jetstream \{/);
		expect(natsConfig.match(/nats:\/\/nats-\d\.nats:6222/g)).toHaveLength(3);
		expect(ofKind(objects, "ConfigMap").find((map) => map.metadata.name === "etude-config")!.data!.JETSTREAM_REPLICAS).toBe("3");
	});

	it("migrates with a Job running the migration script the image ships", () => {
		const [job] = ofKind(render("k8s/overlays/cloud"), "Job");
		const command: string[] = job!.spec.template.spec.containers[0].command;
		expect(command.slice(0, 3)).toEqual(["node", "--import", "tsx"]);
		expect(existsSync(path.join(root, command[3]!))).toBe(true);
		expect(readFileSync(path.join(root, "Dockerfile"), "utf8")).toContain(command[3]);
	});
});
