namespace Imaging.ResultsApi.Apis;

/// <summary>Exams, workflows and tasks under /api/v1/exam: create, get, list, update, delete (cascading), create from a template.</summary>
public static class ScanHierarchyApi
{
    public static RouteGroupBuilder MapScanHierarchyApi(this RouteGroupBuilder exam)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, Forbidden = StatusCodes.Status403Forbidden, NotFound = StatusCodes.Status404NotFound;
        var exams = exam.MapGroup("").WithTags("exams");
        exams.MapPost("/new", CreateExamAsync).WithName("create_exam").WithSummary("Create an exam (or an exam template).")
            .ProducesProblems(BadRequest).WithRequestExample(ExamExample);
        exams.MapGet("/all", ListExamsAsync).WithName("list_exams").WithSummary("Exams of your source, newest first; patient_id filters, limit/offset page.")
            .WithDescription("limit is 1 to 500 (50 when not given), offset 0 or more.").ProducesProblems(BadRequest);
        exams.MapGet("/templates/all", ListExamTemplatesAsync).WithName("list_exam_templates").WithSummary("Exam templates of your source.");
        exams.MapPost("/new_from_template", ExamFromTemplateAsync).WithName("create_exam_from_template")
            .WithSummary("Copy an exam template with its workflows and tasks into a new exam.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        exams.MapGet("/{exam_id}", GetExamAsync).WithName("get_exam").WithSummary("Get an exam.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        exams.MapPut("/{exam_id}", UpdateExamAsync).WithName("update_exam").WithSummary("Update an exam.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(ExamExample);
        exams.MapDelete("/{exam_id}", DeleteExamAsync).WithName("delete_exam").WithSummary("Delete an exam with its workflows, tasks and results.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);

        var workflows = exam.MapGroup("/workflow").WithTags("workflows");
        workflows.MapPost("/new", CreateWorkflowAsync).WithName("create_exam_workflow").WithSummary("Create a workflow of an exam.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(WorkflowExample);
        workflows.MapGet("/all/{exam_id}", ListWorkflowsAsync).WithName("list_exam_workflows").WithSummary("Workflows of an exam.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        workflows.MapGet("/{workflow_id}", GetWorkflowAsync).WithName("get_exam_workflow").WithSummary("Get a workflow.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        workflows.MapPut("/{workflow_id}", UpdateWorkflowAsync).WithName("update_exam_workflow").WithSummary("Update a workflow.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(WorkflowExample);
        workflows.MapDelete("/{workflow_id}", DeleteWorkflowAsync).WithName("delete_exam_workflow").WithSummary("Delete a workflow with its tasks and results.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);

        var tasks = exam.MapGroup("/task").WithTags("tasks");
        tasks.MapPost("/new", CreateTaskAsync).WithName("create_task").WithSummary("Create a task of a workflow.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(TaskExample);
        tasks.MapGet("/all/{workflow_id}", ListTasksAsync).WithName("list_tasks").WithSummary("Tasks of a workflow.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        tasks.MapGet("/{task_id}", GetTaskAsync).WithName("get_task").WithSummary("Get a task.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        tasks.MapPut("/{task_id}", UpdateTaskAsync).WithName("update_task").WithSummary("Update a task.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(TaskExample);
        tasks.MapDelete("/{task_id}", DeleteTaskAsync).WithName("delete_task").WithSummary("Delete a task with its results.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        return exam;
    }

    private const string ExamExample = """{"name": "Knee MRI", "patient_id": "P-0042", "description": "Left knee", "indication": "Pain", "comment": null, "is_template": false, "status": "NEW"}""";
    private const string WorkflowExample = """{"exam_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Reconstruction", "description": null, "comment": null, "is_template": false, "status": "NEW"}""";
    private const string TaskExample = """{"workflow_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Cartesian reconstruction", "description": null, "task_type": "RECONSTRUCTION", "destination": null, "is_template": false, "status": "NEW"}""";

    private static async Task<Results<Created<ExamOut>, ProblemHttpResult>> CreateExamAsync(ExamIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(payload.Name))
        {
            return ApiProblems.BadRequest("Missing name", "An exam needs a name: send a non-empty name.");
        }

        var user = CurrentUser.From(http.User);
        var exam = new Exam
        {
            Id = Guid.NewGuid(),
            SourceId = user.SourceId,
            Name = payload.Name,
            PatientId = payload.PatientId,
            Description = payload.Description,
            Indication = payload.Indication,
            Comment = payload.Comment,
            IsTemplate = payload.IsTemplate,
            Status = payload.Status,
            Creator = user.Username,
            DatetimeCreated = time.GetUtcNow(),
        };
        db.Exams.Add(exam);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/exam/{exam.Id}", ExamOut.From(exam));
    }

    private static async Task<Results<Ok<Page<ExamOut>>, ProblemHttpResult>> ListExamsAsync([FromQuery(Name = "patient_id")] string? patientId, int? limit, int? offset, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (take, skip) = (limit ?? 50, offset ?? 0);
        if (take is < 1 or > 500 || skip < 0)
        {
            return ApiProblems.BadRequest("Invalid paging", "Use a limit of 1 to 500 and an offset of 0 or more.");
        }

        var user = CurrentUser.From(http.User);
        var query = db.Exams.AsNoTracking().Where(e => e.SourceId == user.SourceId && !e.IsTemplate);
        if (patientId is not null)
        {
            query = query.Where(e => e.PatientId == patientId);
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(e => e.DatetimeCreated).ThenBy(e => e.Id).Skip(skip).Take(take).ToListAsync(ct);
        return TypedResults.Ok(new Page<ExamOut>([.. items.Select(ExamOut.From)], total, take, skip));
    }

    private static async Task<Ok<List<ExamOut>>> ListExamTemplatesAsync(ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var user = CurrentUser.From(http.User);
        var items = await db.Exams.AsNoTracking().Where(e => e.SourceId == user.SourceId && e.IsTemplate).OrderBy(e => e.Name).ToListAsync(ct);
        return TypedResults.Ok(items.Select(ExamOut.From).ToList());
    }

    private static async Task<Results<Created<ExamOut>, ProblemHttpResult>> ExamFromTemplateAsync([FromQuery(Name = "template_id")] string? templateId, [FromQuery(Name = "patient_id")] string? patientId, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (!ApiProblems.TryParseId(templateId ?? "", "template id", out var id, out var problem))
        {
            return problem;
        }

        var user = CurrentUser.From(http.User);
        var template = await db.Exams.AsNoTracking().Include(e => e.Workflows).ThenInclude(w => w.Tasks).SingleOrDefaultAsync(e => e.Id == id, ct);
        if (ApiProblems.Refusal(template?.SourceId, user, "exam template", id) is { } refused)
        {
            return refused;
        }

        if (!template!.IsTemplate)
        {
            return ApiProblems.BadRequest("Not a template", $"Exam {id} is not a template; pick one of GET /api/v1/exam/templates/all.");
        }

        var now = time.GetUtcNow();
        var exam = new Exam
        {
            Id = Guid.NewGuid(),
            SourceId = user.SourceId,
            Name = template.Name,
            PatientId = patientId,
            Description = template.Description,
            Indication = template.Indication,
            Comment = template.Comment,
            Creator = user.Username,
            DatetimeCreated = now,
            Workflows = [.. template.Workflows.Select(w => new Workflow
            {
                Id = Guid.NewGuid(), Name = w.Name, Description = w.Description, Comment = w.Comment, DatetimeCreated = now,
                Tasks = [.. w.Tasks.Select(t => new ScanTask
                {
                    Id = Guid.NewGuid(), Name = t.Name, Description = t.Description, TaskType = t.TaskType, Destination = t.Destination, DatetimeCreated = now,
                })],
            })],
        };
        db.Exams.Add(exam);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/exam/{exam.Id}", ExamOut.From(exam));
    }

    private static async Task<Results<Ok<ExamOut>, ProblemHttpResult>> GetExamAsync([FromRoute(Name = "exam_id")] string examId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (_, exam, refused) = await FindExamAsync(examId, db.Exams.AsNoTracking(), http, ct);
        return refused is not null ? refused : TypedResults.Ok(ExamOut.From(exam!));
    }

    private static async Task<Results<Ok<ExamOut>, ProblemHttpResult>> UpdateExamAsync([FromRoute(Name = "exam_id")] string examId, ExamIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (_, exam, refused) = await FindExamAsync(examId, db.Exams, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        (exam!.Name, exam.PatientId, exam.Description, exam.Indication, exam.Comment, exam.IsTemplate, exam.Status, exam.DatetimeUpdated) =
            (payload.Name, payload.PatientId, payload.Description, payload.Indication, payload.Comment, payload.IsTemplate, payload.Status, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ExamOut.From(exam));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteExamAsync([FromRoute(Name = "exam_id")] string examId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (id, _, refused) = await FindExamAsync(examId, db.Exams.AsNoTracking(), http, ct);
        if (refused is not null)
        {
            return refused;
        }

        await db.Exams.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<WorkflowOut>, ProblemHttpResult>> CreateWorkflowAsync(WorkflowIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var source = await db.Exams.Where(e => e.Id == payload.ExamId).Select(e => (Guid?)e.SourceId).SingleOrDefaultAsync(ct);
        if (ApiProblems.Refusal(source, CurrentUser.From(http.User), "exam", payload.ExamId) is { } refused)
        {
            return refused;
        }

        var workflow = new Workflow
        {
            Id = Guid.NewGuid(),
            ExamId = payload.ExamId,
            Name = payload.Name,
            Description = payload.Description,
            Comment = payload.Comment,
            IsTemplate = payload.IsTemplate,
            Status = payload.Status,
            DatetimeCreated = time.GetUtcNow(),
        };
        db.Workflows.Add(workflow);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/exam/workflow/{workflow.Id}", WorkflowOut.From(workflow));
    }

    private static async Task<Results<Ok<List<WorkflowOut>>, ProblemHttpResult>> ListWorkflowsAsync([FromRoute(Name = "exam_id")] string examId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (id, _, refused) = await FindExamAsync(examId, db.Exams.AsNoTracking(), http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var items = await db.Workflows.AsNoTracking().Where(w => w.ExamId == id).OrderBy(w => w.DatetimeCreated).ToListAsync(ct);
        return TypedResults.Ok(items.Select(WorkflowOut.From).ToList());
    }

    private static async Task<Results<Ok<WorkflowOut>, ProblemHttpResult>> GetWorkflowAsync([FromRoute(Name = "workflow_id")] string workflowId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (_, workflow, refused) = await FindWorkflowAsync(workflowId, db.Workflows.AsNoTracking(), http, ct);
        return refused is not null ? refused : TypedResults.Ok(WorkflowOut.From(workflow!));
    }

    private static async Task<Results<Ok<WorkflowOut>, ProblemHttpResult>> UpdateWorkflowAsync([FromRoute(Name = "workflow_id")] string workflowId, WorkflowIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (_, workflow, refused) = await FindWorkflowAsync(workflowId, db.Workflows, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        (workflow!.Name, workflow.Description, workflow.Comment, workflow.IsTemplate, workflow.Status, workflow.DatetimeUpdated) =
            (payload.Name, payload.Description, payload.Comment, payload.IsTemplate, payload.Status, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(WorkflowOut.From(workflow));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteWorkflowAsync([FromRoute(Name = "workflow_id")] string workflowId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (id, _, refused) = await FindWorkflowAsync(workflowId, db.Workflows.AsNoTracking(), http, ct);
        if (refused is not null)
        {
            return refused;
        }

        await db.Workflows.Where(w => w.Id == id).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<TaskOut>, ProblemHttpResult>> CreateTaskAsync(TaskIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var source = await db.Workflows.Where(w => w.Id == payload.WorkflowId).Select(w => (Guid?)w.Exam!.SourceId).SingleOrDefaultAsync(ct);
        if (ApiProblems.Refusal(source, CurrentUser.From(http.User), "workflow", payload.WorkflowId) is { } refused)
        {
            return refused;
        }

        var task = new ScanTask
        {
            Id = Guid.NewGuid(),
            WorkflowId = payload.WorkflowId,
            Name = payload.Name,
            Description = payload.Description,
            TaskType = payload.TaskType,
            Destination = payload.Destination,
            IsTemplate = payload.IsTemplate,
            Status = payload.Status,
            DatetimeCreated = time.GetUtcNow(),
        };
        db.Tasks.Add(task);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/exam/task/{task.Id}", TaskOut.From(task));
    }

    private static async Task<Results<Ok<List<TaskOut>>, ProblemHttpResult>> ListTasksAsync([FromRoute(Name = "workflow_id")] string workflowId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (id, _, refused) = await FindWorkflowAsync(workflowId, db.Workflows.AsNoTracking(), http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var items = await db.Tasks.AsNoTracking().Where(t => t.WorkflowId == id).OrderBy(t => t.DatetimeCreated).ToListAsync(ct);
        return TypedResults.Ok(items.Select(TaskOut.From).ToList());
    }

    private static async Task<Results<Ok<TaskOut>, ProblemHttpResult>> GetTaskAsync([FromRoute(Name = "task_id")] string taskId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (_, task, refused) = await FindTaskAsync(taskId, db.Tasks.AsNoTracking(), http, ct);
        return refused is not null ? refused : TypedResults.Ok(TaskOut.From(task!));
    }

    private static async Task<Results<Ok<TaskOut>, ProblemHttpResult>> UpdateTaskAsync([FromRoute(Name = "task_id")] string taskId, TaskIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (_, task, refused) = await FindTaskAsync(taskId, db.Tasks, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        (task!.Name, task.Description, task.TaskType, task.Destination, task.IsTemplate, task.Status, task.DatetimeUpdated) =
            (payload.Name, payload.Description, payload.TaskType, payload.Destination, payload.IsTemplate, payload.Status, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(TaskOut.From(task));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteTaskAsync([FromRoute(Name = "task_id")] string taskId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (id, _, refused) = await FindTaskAsync(taskId, db.Tasks.AsNoTracking(), http, ct);
        if (refused is not null)
        {
            return refused;
        }

        await db.Tasks.Where(t => t.Id == id).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    private static Task<(Guid Id, Exam? Item, ProblemHttpResult? Refusal)> FindExamAsync(string id, IQueryable<Exam> exams, HttpContext http, CancellationToken ct) =>
        ApiProblems.FindOwnedAsync(id, "exam", CurrentUser.From(http.User), async key =>
        {
            var exam = await exams.SingleOrDefaultAsync(e => e.Id == key, ct);
            return (exam, exam?.SourceId);
        });

    private static Task<(Guid Id, Workflow? Item, ProblemHttpResult? Refusal)> FindWorkflowAsync(string id, IQueryable<Workflow> workflows, HttpContext http, CancellationToken ct) =>
        ApiProblems.FindOwnedAsync(id, "workflow", CurrentUser.From(http.User), async key =>
        {
            var found = await workflows.Where(w => w.Id == key).Select(w => new { Workflow = w, w.Exam!.SourceId }).SingleOrDefaultAsync(ct);
            return (found?.Workflow, found?.SourceId);
        });

    private static Task<(Guid Id, ScanTask? Item, ProblemHttpResult? Refusal)> FindTaskAsync(string id, IQueryable<ScanTask> tasks, HttpContext http, CancellationToken ct) =>
        ApiProblems.FindOwnedAsync(id, "task", CurrentUser.From(http.User), async key =>
        {
            var found = await tasks.Where(t => t.Id == key).Select(t => new { Task = t, t.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
            return (found?.Task, found?.SourceId);
        });
}
