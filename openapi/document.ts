/**
 * Builds an OpenAPI 3.1 document from route descriptions whose request and response shapes are
 * the zod schemas the routes validate with. zod writes every JSON Schema itself
 * (`z.toJSONSchema`, draft 2020-12, the dialect of OpenAPI 3.1); this module only places them:
 * named schemas under `components.schemas`, the fields of a path, query or header schema as
 * parameters, bodies and responses under their media type.
 *
 * Nothing here runs before a document is asked for: the routes import it on the first request
 * for `/openapi.json` or `/docs`.
 *
 * @module
 */
import * as z from "zod/mini";
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathsObject,
  ResponsesObject,
  SchemaObject,
} from "openapi3-ts/oas31";

/** What an operation answers with one status. */
export interface ResponseDoc {
  /** What the status means. */
  description: string;
  /** The JSON body's schema, when there is a body. */
  schema?: z.core.$ZodType;
  /** An example body for this status alone. */
  example?: unknown;
}

/** One operation: its metadata, its request's schemas and its responses. */
export interface RouteDoc {
  /** The HTTP method, lower case. */
  method: "get" | "post";
  /** The path in OpenAPI's form (`/sessions/{id}`), or a webhook's name. */
  path: string;
  /** `operationId`, `tags`, `summary` and `description`, as OpenAPI writes them. */
  operation: Pick<OperationObject, "operationId" | "tags" | "summary" | "description">;
  /** The path, query and header parameters, each an object schema whose fields are the parameters. */
  parameters?: { path?: z.core.$ZodObject; query?: z.core.$ZodObject; header?: z.core.$ZodObject };
  /** Parameters written out by hand, for those no schema validates (a signature header). */
  extraParameters?: ParameterObject[];
  /** The required JSON body's schema. */
  body?: z.core.$ZodType;
  /** The answers, by status. */
  responses: Record<number, ResponseDoc>;
}

/** What {@linkcode buildOpenApiDocument} needs. */
export interface DocumentSpec {
  /** `info.title`, `info.version` and `info.description`. */
  info: OpenAPIObject["info"];
  /** The operations under `paths`. */
  routes: readonly RouteDoc[];
  /** The operations under OpenAPI 3.1's top-level `webhooks`, by `path`. */
  webhooks?: readonly RouteDoc[];
  /**
   * The schemas to name under `components.schemas`, by name: wherever one of them appears, the
   * document refers to it. Those no operation uses are left out.
   */
  components: Readonly<Record<string, z.core.$ZodType>>;
}

const COMPONENTS = "#/components/schemas/";
// Placeholder names of the schemas that are not components: never seen in the document.
const INLINE = "__inline_";

type Json = Record<string, unknown>;

// The schema of every component and of every inline schema, converted in one pass so that each
// component is referred to wherever it appears.
function convert(
  spec: DocumentSpec,
  inline: readonly z.core.$ZodType[],
): Map<string, SchemaObject> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(spec.components)) registry.add(schema, { id: name });
  inline.forEach((schema, index) => {
    if (!registry.has(schema)) registry.add(schema, { id: INLINE + index });
  });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    // What the routes accept after parsing (preprocessed lists as lists), and what they send.
    io: "output",
    uri: (id) => COMPONENTS + id,
    unrepresentable: "any",
  });
  const converted = new Map<string, SchemaObject>();
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
    converted.set(id, rest as SchemaObject);
  }
  return converted;
}

function collectSchemas(routes: readonly RouteDoc[]): z.core.$ZodType[] {
  const found: z.core.$ZodType[] = [];
  for (const route of routes) {
    const { path, query, header } = route.parameters ?? {};
    for (const schema of [path, query, header, route.body]) if (schema) found.push(schema);
    for (const response of Object.values(route.responses)) {
      if (response.schema) found.push(response.schema);
    }
  }
  return found;
}

// Components referred to, directly or through each other, from `root`.
function referencedComponents(root: unknown, components: Map<string, SchemaObject>): Set<string> {
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== "object" || value === null) return;
    for (const [key, member] of Object.entries(value)) {
      if (key === "$ref" && typeof member === "string" && member.startsWith(COMPONENTS)) {
        const name = member.slice(COMPONENTS.length);
        if (!used.has(name)) {
          used.add(name);
          visit(components.get(name));
        }
      } else {
        visit(member);
      }
    }
  };
  visit(root);
  return used;
}

/**
 * Builds the OpenAPI 3.1 document of the given operations. The schemas come from zod's own
 * JSON Schema conversion of the same schemas the routes validate with, so the document cannot
 * drift from what is checked.
 *
 * @example Document one route
 * ```ts
 * import * as z from "zod/mini";
 * import { buildOpenApiDocument } from "./document.ts";
 *
 * const Greeting = z.object({ text: z.string() });
 * const doc = buildOpenApiDocument({
 *   info: { title: "Hello", version: "1" },
 *   components: { Greeting },
 *   routes: [{
 *     method: "get",
 *     path: "/hello",
 *     operation: { operationId: "hello" },
 *     parameters: { query: z.object({ name: z.optional(z.string()) }) },
 *     responses: { 200: { description: "A greeting.", schema: Greeting } },
 *   }],
 * });
 * console.log(doc.paths?.["/hello"]?.get?.parameters?.length); // 1
 * ```
 *
 * @param spec The document's info, operations and named schemas.
 * @returns The document, without `servers` (they depend on where it is served).
 */
export function buildOpenApiDocument(spec: DocumentSpec): OpenAPIObject {
  const all = [...spec.routes, ...(spec.webhooks ?? [])];
  const inline = collectSchemas(all);
  const schemas = convert(spec, inline);
  const nameOf = (schema: z.core.$ZodType): string => {
    const named = Object.entries(spec.components).find(([, component]) => component === schema);
    return named ? named[0] : INLINE + inline.indexOf(schema);
  };
  // A component by reference; anything else written out where it is used.
  const schemaAt = (schema: z.core.$ZodType): SchemaObject => {
    const name = nameOf(schema);
    return name.startsWith(INLINE) ? schemas.get(name)! : { $ref: COMPONENTS + name };
  };
  const parametersOf = (route: RouteDoc): ParameterObject[] => {
    const parameters: ParameterObject[] = [];
    for (const place of ["path", "query", "header"] as const) {
      const object = route.parameters?.[place];
      if (object === undefined) continue;
      const { properties = {}, required = [] } = schemas.get(nameOf(object))!;
      for (const [name, schema] of Object.entries(properties)) {
        const { description } = schema as SchemaObject;
        parameters.push({
          name,
          in: place,
          required: place === "path" || required.includes(name),
          ...(description !== undefined && { description }),
          schema,
        });
      }
    }
    return [...parameters, ...(route.extraParameters ?? [])];
  };
  const operationOf = (route: RouteDoc): OperationObject => {
    const responses: ResponsesObject = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema && {
          content: {
            "application/json": {
              schema: schemaAt(response.schema),
              ...(response.example !== undefined && { example: response.example }),
            },
          },
        }),
      };
    }
    const parameters = parametersOf(route);
    return {
      ...route.operation,
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && {
        requestBody: {
          required: true,
          content: { "application/json": { schema: schemaAt(route.body) } },
        },
      }),
      responses,
    };
  };
  const paths: PathsObject = {};
  for (const route of spec.routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operationOf(route) };
  }
  const webhooks: PathsObject = {};
  for (const route of spec.webhooks ?? []) {
    webhooks[route.path] = { ...webhooks[route.path], [route.method]: operationOf(route) };
  }
  const document: OpenAPIObject = {
    openapi: "3.1.0",
    info: spec.info,
    paths,
    ...(spec.webhooks !== undefined && { webhooks }),
  };
  const used = referencedComponents(document, schemas);
  const components: Record<string, SchemaObject> = {};
  for (const name of Object.keys(spec.components)) {
    if (used.has(name)) components[name] = schemas.get(name)!;
  }
  return { ...document, components: { schemas: components } };
}
