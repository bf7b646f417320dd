"""The baselines Footnote is measured against, over the same passages of the same index:

- BM25 only: llama-index's BM25Retriever (bm25s, English stemmer) over the passage texts;
- dense only: llama-index's default vector retriever over the Chroma collection Footnote reads, with
  the same MiniLM model, restricted to live passage records (the collection also holds sentence and
  document records, and records of replaced versions that are not in the manifest).

Each ranks passages; its "answer" is the trivial one a plain retriever gives: the first sentence of its
top passage, cited. That lets the answer metrics (key points, citations on gold) compare like with like;
a retriever never declines. This module does not score anything.
"""

from __future__ import annotations

from app.engine.library import Library


class BM25Baseline:
    name, label = "bm25", "BM25 only"

    def __init__(self, library: Library, k: int):
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        keys = ["passage_id", "doc_id"]
        nodes = [TextNode(id_=pid, text=p.text, metadata={"passage_id": pid, "doc_id": p.doc_id},
                          excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys)
                 for pid, p in library.passages.items()]
        self.retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(k, len(nodes)))

    def retrieve(self, question: str) -> list[str]:
        return [n.node.metadata["passage_id"] for n in self.retriever.retrieve(question)]


class DenseBaseline:
    name, label = "dense", "Dense only"

    def __init__(self, library: Library, embed_model, k: int):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters
        from llama_index.vector_stores.chroma import ChromaVectorStore

        index = library.index
        store = ChromaVectorStore(chroma_collection=index.collection)
        vectors = VectorStoreIndex.from_vector_store(store, embed_model=embed_model)
        filters = MetadataFilters(filters=[
            MetadataFilter(key="kind", value="passage"),
            MetadataFilter(key="doc_key", value=index.live_keys(), operator=FilterOperator.IN),
        ])
        self.retriever = vectors.as_retriever(similarity_top_k=k, filters=filters)

    def retrieve(self, question: str) -> list[str]:
        return [n.node.metadata["passage_id"] for n in self.retriever.retrieve(question)]


def first_sentence_answer(library: Library, ranked: list[str]) -> dict:
    """The top passage's first sentence as the answer, citing itself (an answer dict as metrics expects)."""
    if not ranked or not library.passages[ranked[0]].sentence_ix:
        return {"abstained": True, "text": "", "sentences": [], "citations": []}
    p = library.passages[ranked[0]]
    s = library.sentences[p.sentence_ix[0]]
    return {
        "abstained": False,
        "text": f"{s.text}[1]",
        "sentences": [{"text": s.text, "citations": [1]}],
        "citations": [{"n": 1, "doc_id": s.doc_id, "passage_id": p.id, "start": s.start, "end": s.end,
                       "quote": s.text}],
    }
