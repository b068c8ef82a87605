"""A guide for teachers (built into notebooks/teachers-guide.ipynb; the course site's "For teachers" page)."""

from nbbuild import code, md

CELLS = [
    md("""
    # For teachers

    The lessons are a starting point. The same model and widgets let you build your own
    scenarios for a lecture or a lab, write exercises that explain the mistakes you expect,
    give each student their own numbers, print the answer keys, and publish a replay of a
    scenario as a single web page. Every answer comes from the model itself, so an answer key
    cannot disagree with what the players show.

    **With this guide you can …**

    1. build a scenario (a kernel and calls on it) and show it with a player and views;
    2. write an exercise with a hint, an explanation and feedback for the mistakes you expect,
       its answer read off the model, and make students predict before the player shows the step;
    3. give each student their own numbers with a seed;
    4. print the answer keys;
    5. export a replay page that steps and checks answers in a browser, without Python,
       and know what such a page gives away.

    This guide is a notebook, `teachers-guide.ipynb`, which `vmwidgets lessons DIR` copies out
    with the lessons: run it from top to bottom (*Run → Run All Cells*) and change any cell.
    The cells that print answers are marked **Teacher's key**; each comes after the exercises
    it covers. The same notebook, run, is the *For teachers* page of the course site, with its
    players and exercises working on the page.
    """),
    md("""
    ## 1. Build a scenario

    A scenario is a kernel and a sequence of calls on it. `Kernel(Config(...))` boots a
    machine. Each call that you make on the kernel, on a task, or on a task's `mm` is recorded
    step by step in `kernel.timeline`. Here: a machine with 512 MB of RAM running Linux
    2.6.32, two `vmalloc` calls and a `vfree`, then a process that maps four pages, writes to
    the first one (a page fault gives it a zeroed page), and forks; the child writes to the
    same page (copy-on-write).
    """),
    code("""
    from vmwidgets import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, Config, Kernel

    k = Kernel(Config(ram=512 << 20, era="2.6.32"))  # 512 MB of RAM, no PAE, Linux 2.6.32
    a = k.vmalloc(3 * 4096, caller="my_driver_init")
    b = k.vmalloc(8192, caller="my_cache_init")
    k.vfree(a)  # lazy in 2.6.32: the area waits for a purge

    task = k.spawn("demo")  # a process, with the layout execve leaves
    addr = task.mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
    task.access(addr, write=True)  # a page fault: a demand-zero page
    child = k.fork(task)  # every page now shared copy-on-write
    child.access(addr, write=True)  # a write fault: do_wp_page copies the page

    for op in k.timeline.operations:
        print(f"{op.name:10} {op.args:52} steps {op.start:4}-{op.end:4} -> {op.result}")
    """),
    md("""
    `k.timeline.operations` lists the calls, each with the `start` and `end` of its steps, so
    a player can start at the moment that you want to discuss. Each step names the kernel
    function that does it, and `explain` says what it does:
    """),
    code("""
    from vmwidgets import explain

    t = k.timeline
    second = t.operations[1]  # vmalloc(8192)
    for i in range(second.start, second.start + 4):
        print(f"step {i:3} {t[i].fn:32} {explain(t[i])}")
    """),
    md("""
    The parts of a scenario, for reference:

    <details><summary>Aside: every <code>Config</code> field, every call, and the text views</summary>

    `Config` describes the machine and the kernel build:

    - `ram`: the amount of RAM in bytes.
    - `pae`: three-level page tables.
    - `era`: `"2.6.24"` or `"2.6.32"`. Any version from 2.6.20 to 2.6.38 is accepted.
    - `vmalloc_reserve`: the `vmalloc=` boot parameter.
    - `highmem`: whether the kernel uses RAM above lowmem.
    - `pse`: whether lowmem is mapped with large pages.
    - `aged=True`: the machine has been running for a while, so its free memory is
      fragmented and `vmalloc`'s frames come back scattered. `seed` picks the fragmentation.

    The calls are named after the kernel's functions:

    - on the kernel: `alloc_pages` and `free_pages`, `vmalloc` and `vfree`, `vmap`,
      `ioremap`, `translate`, `spawn`, `fork` and `exit`;
    - on a task, the system calls: `task.mmap`, `task.munmap`, `task.mprotect`, `task.brk`
      (they return what the kernel returns: an address, or a negative errno), and
      `task.access(addr, write=..., exec=...)` (a bad access returns `SIGSEGV`, as a real
      process gets a signal, not a Python exception);
    - on `task.mm`, the struct: `find_vma`, and the fields (`task.mm.brk` is the heap's
      end, `task.mm.mmap` the first VMA).

    Text views print what the kernel would print: `k.layout.table()` prints the boot log's
    layout, and `k.buddyinfo()`, `k.vmallocinfo()`, `task.mm.maps()` and `k.dmesg()` print
    `/proc/buddyinfo`, `/proc/vmallocinfo`, `/proc/PID/maps` and the kernel log.
    `from_proc_maps(text)` builds an address space from a real `/proc/PID/maps` file.

    </details>

    The child's `/proc/PID/maps`, as the kernel would print it:
    """),
    code("""
    print(child.mm.maps(), end="")
    """),
    md("""
    To show a scenario, `explore(obj)` gives the player and every view that fits a kernel, a
    task or an mm. Here the child: its VMAs, the kernel's layout, its page tables and the frames. The player
    starts at the last step; step back with **←** (click the player first) to watch the
    copy-on-write fault.
    """),
    code("""
    from vmwidgets import explore

    explore(child)
    """),
    md("""
    You can also choose the views yourself. Each view in `vmwidgets.widgets` follows a
    `Player`, and `player.seek(step)` moves it. This player starts just before the second
    `vmalloc`:
    """),
    code("""
    from ipywidgets import VBox

    from vmwidgets.widgets import PhysicalMemoryView, Player, VmlistView

    views = [VmlistView(k), PhysicalMemoryView(k)]
    player = Player(k, views)
    player.seek(second.start)  # start just before the second vmalloc
    VBox([player, *views])
    """),
    md("""
    ## 2. Make an exercise with feedback

    An exercise is a question with an answer key and feedback for wrong answers. There are
    three kinds, in `vmwidgets.exercises`:

    - `NumberExercise`: an address, a size, a count or an index. It reads `0xc0801234`,
      plain decimal, eight hex digits as `/proc` prints them, and, with `units=True`, `8 kB`
      or `3 pages`. `mistakes` maps the wrong answers that students often give to what each
      one means. Any other wrong answer is told how far it is from the key.
    - `ChoiceExercise`: one option out of several. `options` maps each option to the reason
      why it is wrong, and `correct` names the right one.
    - `FieldsExercise`: several numbers at once, such as the PGD index, the PTE index and the
      offset of an address. Each field is judged on its own, so the feedback says which parts
      are right.

    All kinds take `hint` (shown when the student clicks **Hint**) and `explain` (shown with a
    right answer: the reason why it is right). Write each message in `mistakes` so that it
    says what the mistake means **without stating the right answer**: a student who guessed
    should still have to think.

    Compute the key with the model rather than by hand: run the call on a kernel and use
    what it returns. An address is read as hex (`0x…`, or eight digits as /proc prints
    them); for a count or a size give `hex=False` (and `units=True, unit=…` to accept
    "3 pages" or "12 kB"). Here a fresh machine (1 GB, Linux 2.6.24) has one area on `vmlist`;
    then `vmalloc(8192)` and `vmalloc(4096)` run, and the question is where the second of
    them puts its area. (Not where `vmalloc(8192)` goes: the `vmlist` view that a student
    sees before the call shows the first area's end with its guard page, which is that
    answer. Check what your views show before the reveal.)
    """),
    code("""
    from vmwidgets import PAGE_SIZE
    from vmwidgets.exercises import NumberExercise

    k2 = Kernel()  # 1 GB of RAM, Linux 2.6.24
    first = k2.vmalloc(3 * PAGE_SIZE, caller="first")
    before = len(k2.timeline)  # the step just before the next two calls
    k2.vmalloc(2 * PAGE_SIZE, caller="second")
    where = k2.vmalloc(PAGE_SIZE, caller="third")  # the model gives the answer

    question = NumberExercise(
        id="guide_where",
        prompt=f"vmlist holds one area: 3 pages at {first:#x}. Then vmalloc(8192) runs, and then vmalloc(4096). "
        "Where does the area of vmalloc(4096) start?",
        value=where,
        mistakes={
            first: "That is where the first area starts, and it is still in use: the search moves past it.",
            first + 4 * PAGE_SIZE: "That is where vmalloc(8192) puts its area; vmalloc(4096) comes after it.",
            first + 5 * PAGE_SIZE: "That forgets the guard pages: every area is followed by one.",
            first + 6 * PAGE_SIZE: "That forgets the guard page that follows the vmalloc(8192) area.",
        },
        hint="Each area is followed by one unmapped guard page.",
        explain="First fit from VMALLOC_START: the first area and its guard page take 4 pages, the vmalloc(8192) "
        "area and its guard page 3 more.",
    )
    print(question)  # a student's print shows the question, never the answer
    """),
    md("""
    `check(reply)` returns a `Feedback` (`correct` and `message`), as the **Check** button
    does. A mistake that you anticipated gets its own message; a reply that cannot be read is
    not an error: the feedback says how to write it.
    """),
    code("""
    print(question.check(f"{first + 6 * PAGE_SIZE:#x}"))  # an anticipated mistake: one guard page left out
    print(question.check(f"{first + 4 * PAGE_SIZE:x}"))  # hex without 0x, but eight digits as /proc prints them
    print(question.check("the next page"))
    """),
    md("""
    ### Predict, then check

    `ExerciseWidget(question)` shows the question with an answer box and the **Check** and
    **Hint** buttons. Give it also a player and the step that shows the answer
    (`reveal=`), and the student must predict before they can see it: the player is held at
    its current step, and cannot step past it, until the student commits to an answer with
    **Commit and reveal**.

    - A right answer releases the player and moves it to the `reveal` step, so the student
      can step back and forth to see why.
    - A wrong answer gets its feedback (the message of `mistakes` for an anticipated one)
      and the player stays held: the student can try again, or press **Show me** to see the
      step anyway.
    - A reply that cannot be read (not a number, no option chosen) is not an answer.
    - `reveal` can also be a function, which is called when the step is revealed.

    `after=` is the worked answer, *what happened*. It is shown under the feedback only after
    a right answer or **Show me**; a stored notebook and a replay page never show it before.
    Put your worked answer there, never in a Markdown cell, a printed output or a comment
    above or beside the question: a student reads those before answering, and reads code
    cells too. So in a notebook for students, build the exercise and its worked answer in a
    small module the notebook imports, and give the text as the exercise's `worked=` (the
    widget shows it by default), as the course's lessons do; this guide builds it in the
    cell only to show it to you. `after` is short
    Markdown: paragraphs, `- ` bullets, `` `code` ``, `**bold**`, and lines indented by four
    spaces shown as they are (here, the steps of the search, computed in the cell):
    """),
    code("""
    from vmwidgets.widgets import ExerciseWidget

    call = k2.timeline.operations[-1]  # the vmalloc(4096) of the question
    steps = "\\n".join(
        f"    step {i - before + 1:3} {k2.timeline[i].fn:34} {explain(k2.timeline[i])}"
        for i in range(before, call.end)
        if k2.timeline[i].fn == "mm/vmalloc.c:__get_vm_area_node"
    )
    worked = (
        "Each area is followed by its guard page. The first area and its guard page take 4 pages from "
        "VMALLOC_START; vmalloc(8192) takes the next 3 (2 pages and a guard page), so vmalloc(4096) starts "
        f"7 pages after the first area, at `{where:#x}`.\\n\\n"
        f"The steps of the search (mm/vmalloc.c:__get_vm_area_node):\\n\\n{steps}"
    )
    view = VmlistView(k2)
    player2 = Player(k2, [view])
    player2.seek(before)  # just before vmalloc(8192)
    VBox([ExerciseWidget(question, player=player2, reveal=call.end, after=worked), player2, view])
    """),
    md("""
    ## 3. Give each student their own numbers

    Each lesson builds its exercises from a seed. The questions stay the same, but the
    machines, sizes and addresses change. To make your own set, write a function `make(seed)`
    from a seed to a list of exercises, draw every number from `random.Random(seed)`, compute
    the answers with the model, and wrap the function in a `Lesson`. `record=False` keeps no
    timeline, which makes the kernel faster when it only computes answers.

    This set has one exercise of each kind: where the next area goes (a number), whether a
    request fits into the hole a `vfree` leaves (a choice: the model decides which), and how
    the MMU splits an address of the new area (fields, read off the model's page-table walk).
    """),
    code("""
    import random

    from vmwidgets.exercises import ChoiceExercise, FieldsExercise, Lesson, register

    HOLE = "in the hole the first area left"
    END = "after the second area"


    def make(seed):
        rng = random.Random(seed)
        mb = rng.choice([256, 384, 512, 640, 768])
        k = Kernel(Config(ram=mb << 20), record=False)
        pages = rng.randint(2, 8)
        first = k.vmalloc(pages * PAGE_SIZE, caller="first")
        second = k.vmalloc(PAGE_SIZE, caller="second")
        offset = rng.randrange(PAGE_SIZE)
        walk = {s.level: s.index for s in k.translate(second + offset).steps}
        k.vfree(first)
        ask = rng.randint(pages - 1, pages + 2)  # fits or not, half and half
        third = k.vmalloc(ask * PAGE_SIZE, caller="third")
        fits = third == first
        return [
            NumberExercise(
                id="guide_next",
                prompt=f"On a fresh machine with {mb} MB of RAM, vmalloc({pages * PAGE_SIZE}) returned {first:#x}. "
                "Where does the next vmalloc(4096) start?",
                value=second,
                mistakes={
                    first + pages * PAGE_SIZE: "You forgot the guard page after the first area.",
                    first + (pages + 2) * PAGE_SIZE: "The new area's guard page follows it; it does not come first.",
                },
                hint="Each area is followed by one unmapped guard page.",
                explain=f"The first area takes {pages} pages plus its guard page.",
            ),
            ChoiceExercise(
                id="guide_hole",
                prompt=f"Then vfree({first:#x}) frees the first area ({pages} pages), and vmalloc({ask * PAGE_SIZE}) "
                "runs (Linux 2.6.24). Where does the new area go?",
                options={
                    HOLE: f"The hole is {pages} pages plus the guard page; count what the new area needs with its own.",
                    END: "vmlist is searched first fit from VMALLOC_START: a hole big enough is taken first.",
                },
                correct=HOLE if fits else END,
                hint="Count the pages the new area needs, its guard page included, and the pages of the hole.",
                explain=f"It needs {ask + 1} pages with its guard page; the hole has {pages + 1}.",
            ),
            FieldsExercise(
                id="guide_walk",
                prompt=f"Without PAE, which PGD entry, which PTE and which byte of the page does the MMU use "
                f"for {second + offset:#x}? Reply as pgd=... pte=... offset=...",
                fields={"pgd": walk["pgd"], "pte": walk["pte"], "offset": offset},
                why={"pgd": "the top 10 bits", "pte": "the next 10 bits", "offset": "the low 12 bits"},
                hint="Without PAE the 32 bits split 10 + 10 + 12.",
                explain="pgd = addr >> 22, pte = (addr >> 12) & 0x3ff, offset = addr & 0xfff.",
            ),
        ]


    my_quiz = register(Lesson(100, "My vmalloc quiz", make))
    """),
    md("""
    `register` adds your set to `vmwidgets.exercises.LESSONS` in this Python session, beside
    the course's lessons 1–9; give yours a number of 100 or more so that it never replaces
    one of them. `Quiz(lesson, seed=...)` shows the set on screen, with a **new numbers**
    button that moves to the next seed:
    """),
    code("""
    from vmwidgets.widgets import Quiz

    Quiz(my_quiz, seed=0)
    """),
    md("""
    **How a class gets different numbers.** Give each student a seed, for example 100 plus
    their number on the class list (every seed from 5 up is safe, see below), and have them
    type it into the quiz's seed box. The same
    seed always gives the same numbers, so you can check any student's work; neighbours get
    other machines, sizes and addresses. The course's lessons do the same:
    `Quiz(LESSON, seed=117)`, with `LESSON` from `vmwidgets.exercises.l4_vmalloc`, is lesson 4's
    quiz for seed 117. Hand out seeds from 5 up:
    the lesson notebooks show seed 0, and a quiz on a replay page or on the course site
    carries the answers of its seed and the next four in its source (§5). Here are the first
    questions for three students:
    """),
    code("""
    for seed in (101, 102, 103):
        print(f"seed {seed}: {my_quiz.exercises(seed)[0].prompt}")
    """),
    md("""
    ## 4. Print the answer keys

    `Lesson.answer_key(seed)` returns the answers, one line per exercise. Printing an
    exercise or a list of them shows only the questions (as in §2), so a student's `print`
    gives nothing away.

    From a shell, `python -m vmwidgets.exercises 4 117` prints the key of lesson 4 for seed 117;
    the seed defaults to 0, the seed of the quizzes in the lesson notebooks, and a seed that is
    not a whole number ≥ 0 is refused (exit status 2) rather than read as 0. The shell knows the
    course's lessons; for a set of your own, use `answer_key`.

    The next cell is the **teacher's key**: it prints the answers of the quiz above (seed 0).
    Run it for your students' seeds where they do not see your screen; this guide prints
    only seed 0, whose answers a replay page carries anyway.
    """),
    code("""
    # Teacher's key: answers of my_quiz (exercises guide_next, guide_hole, guide_walk), seed 0
    print(my_quiz.answer_key(0))
    """),
    md("""
    The shell command runs this function, here for lesson 4 and seed 0 (another **teacher's
    key**: the answers of the quiz at the end of lesson 4, as the lesson shows it):
    """),
    code("""
    # Teacher's key: lesson 4, seed 0, as `python -m vmwidgets.exercises 4 0` prints it
    from vmwidgets.exercises.__main__ import main

    status = main(["4", "0"])  # 0: the key was printed
    """),
    md("""
    ## 5. Export a replay page for a class

    `export_html(widget, path, title=...)` (in `vmwidgets.widgets`, and as
    `vmwidgets.export_html`) writes a scenario to one standalone HTML file. The file holds
    every step of each player, so students can step through it in any browser, as on the
    lesson pages of the course site, without Python. Put it on a course web page, attach it
    to an e-mail, or open it in a lecture.

    You can export an explorer, a player, a single view, an `ExerciseWidget`, a `Quiz`, or a
    box that holds them, such as the predict-then-check box of §2. Players start at the step
    where they are when you export. Exercises on the page are checked in the browser, with
    the same feedback as in Jupyter, and a player held by an exercise stays held until the
    question is answered on the page. An exercise class of your own with its own `check`
    needs Python, so the page says that it must be answered in the notebook. A quiz on a page
    carries the numbers of five seeds, starting at its own. The page holds its styles, its
    script and its data, so it opens from a file, works offline and loads nothing from other
    hosts. Widgets that are not part of vmwidgets are replaced by a note that says they need
    Python. In an explorer on a page, a click on a box lights the same structure in every
    view; the highlights that Python computes live (a selected VMA's frames, an address's
    page-table walk) and the address box need the live notebook.

    The cell below exports the predict-then-check exercise of §2, with a player and a view of
    its own, into `teachers-guide-replay.html` beside this notebook, and opens nothing: open
    that file in a browser. (In JupyterLite, whose folder lives in the browser, Python may not
    be allowed to write there; the cell then writes into a temporary folder.)
    """),
    code("""
    import tempfile
    from pathlib import Path

    from vmwidgets import InvalidArgument
    from vmwidgets.widgets import export_html

    view3 = VmlistView(k2)
    player3 = Player(k2, [view3])
    player3.seek(before)
    box = VBox([ExerciseWidget(question, player=player3, reveal=call.end, after=worked), player3, view3])
    title = "vmalloc: first fit and guard pages"
    try:
        page = export_html(box, "teachers-guide-replay.html", title=title)
    except InvalidArgument:  # JupyterLite's browser drive may refuse a file written from Python
        page = export_html(box, Path(tempfile.mkdtemp()) / "teachers-guide-replay.html", title=title)
    html = Path(page).read_text(encoding="utf-8")
    print(page.name)
    print("steps of the scenario on the page:", len(k2.timeline))
    print("loads from another host:", any(f'src="{s}' in html for s in ("http:", "https:", "//")))
    print("the answer is in the page's source:", str(question.answer) in html)
    """),
    md("""
    **What a replay page gives away.** The page checks answers without Python, so the
    answers are in the page: a determined student can find every answer in its source (the
    last line above). A replay page is for practice, not for graded tests. When the answers
    must stay secret, use the live notebook, where the key is computed in Python and never
    sent to the page, or give each student their own seed and check their answers with the
    answer key.

    ## 6. Pictures for slides

    Each view has a toolbar with **SVG** and **PNG** buttons, which save the current step as
    a picture. From Python, `view.to_svg()` returns the picture of the current step as an SVG
    document, and `view.save("step.svg")` or `view.save("step.png")` writes it to a file. The
    picture shows every diagram of the view at full size, not just the part that is zoomed or
    scrolled into sight, with the step's highlights and the selection. `dark=True` uses the
    dark colours. PNG files are drawn at twice the size (`scale=2`, sharp on a projector) and
    need cairosvg (`pip install cairosvg`). SVG pictures stay sharp at any size, and you can
    edit them in Inkscape; use PNG for tools that cannot read SVG.

    To make one picture for each step of a call, move the player and save at each step. This
    cell writes them into a temporary folder that it then removes; give a folder of your own
    to keep them:
    """),
    code("""
    from tempfile import TemporaryDirectory

    vfree_call = k.timeline.operations[2]  # vfree(a) of §1
    with TemporaryDirectory() as folder:
        for i in range(vfree_call.start, vfree_call.end + 1):
            player.seek(i)
            views[0].save(Path(folder) / f"vfree-{i - vfree_call.start:02}.svg")
        saved = sorted(p.name for p in Path(folder).glob("*.svg"))
    print(len(saved), "pictures:", saved[0], "…", saved[-1])
    """),
    md("""
    ## 7. Build the course site

    From a checkout, `make site` builds the course website into `build/site/`: the guide
    pages, the API reference, every lesson run and turned into static players, and this
    notebook as the *For teachers* page. Run `make lite` first to include the live
    JupyterLite version of each lesson. Copy the folder to any static web host. To change a
    lesson, edit its source in `notebooks/src/`, run `make notebooks`, and then run
    `make site` again. The pages in `docs/` are MyST Markdown, so you can add your own, such
    as a page with your exercises and replay pages: write a Markdown file in `docs/` and list
    it in the `toctree` of `docs/index.md`.

    ## Summary

    - A scenario is `Kernel(Config(...))` and calls on it; `explore(obj)` or a `Player` with
      views shows it step by step, each step naming its kernel function.
    - An exercise takes its answer from the model, a `hint`, an `explain`, and `mistakes`
      whose messages explain without giving the answer; `ExerciseWidget(question, player=...,
      reveal=..., after=...)` makes students predict first and keeps the worked answer hidden
      until they commit.
    - `Lesson(number, title, make)` turns `make(seed)` into a set with different numbers for
      each student; `Quiz(lesson, seed=...)` shows it, and `answer_key(seed)` or
      `python -m vmwidgets.exercises LESSON SEED` prints the key.
    - `export_html` writes a replay page that steps and checks answers without Python; its
      answers are in its source, so it is for practice.
    """),
]
